"""`nabd serve`: the web server (pages and API in one process)."""

import typer
import uvicorn

from nabd.api.app import create_app
from nabd.cli.context import console, load_settings
from nabd.config import Settings
from nabd.core.logging import configure_logging
from nabd.core.migrations import upgrade_database
from nabd.jobs.consumer import start_embedded_consumer, stop_embedded_consumer
from nabd.jobs.queue import configure_jobs


def run_server(settings: Settings, *, host: str, port: int) -> None:
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    if settings.should_migrate_on_start:
        upgrade_database(settings.resolved_database_url)
    configure_jobs(settings)  # requests enqueue jobs even when workers run elsewhere
    consumer = start_embedded_consumer(settings) if settings.should_run_embedded_consumer else None
    console.print(f"nabd is running on http://{host}:{port}", highlight=False)
    try:
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            log_level=settings.log_level,
            proxy_headers=False,
        )
    finally:
        if consumer is not None:
            stop_embedded_consumer(consumer)


def serve(
    host: str | None = typer.Option(None, help="Address to bind (default NABD_HOST)."),
    port: int | None = typer.Option(None, help="Port (default NABD_PORT)."),
) -> None:
    """Start the web server; on the embedded database it applies migrations first."""
    settings = load_settings()
    run_server(settings, host=host or settings.host, port=port or settings.port)
