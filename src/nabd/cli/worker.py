"""`nabd worker`: a process that runs background jobs."""

import typer

from nabd.cli.context import load_settings
from nabd.jobs.consumer import WorkerType, run_worker


def worker(
    workers: int | None = typer.Option(
        None, min=1, help="Concurrent workers (default NABD_JOBS_WORKERS)."
    ),
    worker_type: str = typer.Option(
        "thread", help="'thread' or 'process' (processes suit CPU-heavy tasks)."
    ),
    periodic: bool = typer.Option(
        True,
        "--periodic/--no-periodic",
        help="Enqueue periodic tasks (keep on in one worker only).",
    ),
) -> None:
    """Run queued and scheduled jobs until interrupted (SIGINT/SIGTERM finish running tasks)."""
    if worker_type not in ("thread", "process"):
        raise typer.BadParameter("use 'thread' or 'process'", param_hint="--worker-type")
    settings = load_settings()
    kind: WorkerType = "process" if worker_type == "process" else "thread"
    run_worker(
        settings, workers=workers or settings.jobs_workers, worker_type=kind, periodic=periodic
    )
