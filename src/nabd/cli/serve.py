"""`nabd serve`: the web server (pages and API in one process)."""

import typer
import uvicorn

from nabd.api.app import create_app
from nabd.cli.context import console, load_settings
from nabd.config import Settings
from nabd.core.logging import configure_logging
from nabd.core.migrations import upgrade_database


def run_server(settings: Settings, *, host: str, port: int) -> None:
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    if settings.should_migrate_on_start:
        upgrade_database(settings.resolved_database_url)
    console.print(f"nabd is running on http://{host}:{port}", highlight=False)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level,
        proxy_headers=False,
    )


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default NABD_HOST)."),
    port: int | None = typer.Option(None, help="Port (default NABD_PORT)."),
) -> None:
    """Start the web server; on the embedded database it applies migrations first."""
    settings = load_settings()
    run_server(settings, host=host or settings.host, port=port or settings.port)
