"""`nabd serve`: the web server (pages and API in one process)."""

import gc

import typer
import uvicorn
from fastapi import FastAPI

from nabd.api.app import create_app
from nabd.cli.context import console, fail, load_settings
from nabd.config import Settings, get_settings
from nabd.core.logging import configure_logging
from nabd.core.migrations import upgrade_database
from nabd.jobs.consumer import start_embedded_consumer, stop_embedded_consumer
from nabd.jobs.queue import configure_jobs


def worker_app() -> FastAPI:
    """The app each of several web processes builds (uvicorn imports this factory in every
    worker): settings from the same environment, its own connection to the job queue."""
    settings = get_settings()
    configure_jobs(settings)
    app = create_app(settings)
    freeze_startup_heap()
    return app


# Young objects allowed (allocated less freed) before a collection: above what requests in
# flight hold at once, so a collection runs for garbage cycles, not for live request data.
GC_YOUNG_THRESHOLD = 50_000


def freeze_startup_heap() -> None:
    """Exempt what was imported and built at startup from garbage collection, and collect
    the young generation less often.

    Every full collection otherwise walks the whole heap of modules, routes and ORM
    metadata; requests that allocate many objects (a batch of 500 responses) triggered
    enough of them to cost a third of their CPU (bench/survey_responses.py). At Python's
    default of 700, a batch of 500 survey responses, whose ~5,000 live objects (its items,
    answers, columns) count until the request ends, still set off ~6 young and every tenth
    a middle collection, each walking the live ones again: 5-10 µs of a batch item's time.
    Objects freed by reference counting (nearly all) cost no collection at any threshold.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def run_server(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    if workers > 1 and settings.is_embedded_database:
        fail(
            "Several web workers need PostgreSQL (NABD_DATABASE_URL): SQLite admits one "
            "writer at a time, so more processes would only wait for each other."
        )
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    if settings.should_migrate_on_start:
        upgrade_database(settings.resolved_database_url)
    configure_jobs(settings)  # requests enqueue jobs even when workers run elsewhere
    consumer = start_embedded_consumer(settings) if settings.should_run_embedded_consumer else None
    console.print(f"nabd is running on http://{host}:{port}", highlight=False)
    app: FastAPI | str = create_app(settings) if workers == 1 else f"{__name__}:worker_app"
    if workers == 1:
        freeze_startup_heap()
    try:
        uvicorn.run(
            app,
            factory=workers > 1,
            workers=workers,
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
    workers: int | None = typer.Option(
        None, min=1, max=64, help="Web processes (default NABD_WEB_WORKERS; PostgreSQL only)."
    ),
) -> None:
    """Start the web server; on the embedded database it applies migrations first."""
    settings = load_settings()
    run_server(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.web_workers,
    )
