"""`nabd demo`: load the bilingual demo workspace and start the server."""

import typer

from nabd.cli.context import cli_session, console, load_settings
from nabd.cli.serve import run_server
from nabd.core.migrations import upgrade_database
from nabd.core.types import utcnow
from nabd.demo.catalogue import DEMO_PASSWORD, DEMO_USERS
from nabd.demo.loader import load_demo


def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Start the server afterwards."),
    host: str | None = typer.Option(None, help="Address to bind (default NABD_HOST)."),
    port: int | None = typer.Option(None, help="Port (default NABD_PORT)."),
) -> None:
    """Load the demo workspace (slug `demo`; reused if it exists) and serve it."""
    settings = load_settings()
    upgrade_database(settings.resolved_database_url)
    with console.status("Loading the demo workspace…"), cli_session(settings) as session:
        result = load_demo(session, now=utcnow())
    if result.created:
        console.print(
            f"Loaded the demo workspace: {result.customer_count} customers, "
            f"{result.event_count} events, {result.transaction_count} orders."
        )
    else:
        console.print("The demo workspace already exists; reusing it.")
    bind_host, bind_port = host or settings.host, port or settings.port
    console.print(f"Open http://{bind_host}:{bind_port}", highlight=False)
    console.print(
        f"Sign in as {DEMO_USERS[0][0]} with the password {DEMO_PASSWORD}", highlight=False
    )
    if serve:
        run_server(settings, host=bind_host, port=bind_port)
