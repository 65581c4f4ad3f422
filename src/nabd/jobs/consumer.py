"""Running the queue: a consumer thread inside `nabd serve`, or a `nabd worker` process."""

from typing import Literal

from huey.consumer import Consumer

from nabd.config import Settings
from nabd.core.logging import configure_logging
from nabd.jobs.context import dispose_job_engines
from nabd.jobs.queue import configure_jobs
from nabd.jobs.registry import load_tasks

WorkerType = Literal["thread", "process"]

# An idle worker polls SQLite storage at most this many seconds apart (Redis blocks instead).
MAX_POLL_DELAY_SECONDS = 2.0
# On shutdown, running tasks get this long to finish before the server exits anyway.
SHUTDOWN_TIMEOUT_SECONDS = 30.0


class EmbeddedConsumer(Consumer):
    """A consumer whose workers are threads of a host process that owns the signals.

    Huey's consumer installs SIGINT/SIGTERM handlers when it starts; inside `nabd serve`
    uvicorn handles those, and stops this consumer from its own shutdown path instead.
    """

    def _set_signal_handlers(self) -> None:
        return None


def start_embedded_consumer(settings: Settings, *, workers: int | None = None) -> EmbeddedConsumer:
    """Configure the queue and start its workers and scheduler as daemon threads."""
    load_tasks()
    consumer = EmbeddedConsumer(
        configure_jobs(settings),
        workers=workers or settings.jobs_workers,
        worker_type="thread",
        periodic=True,
        max_delay=MAX_POLL_DELAY_SECONDS,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
        check_worker_health=False,
    )
    consumer.start()
    return consumer


def stop_embedded_consumer(consumer: EmbeddedConsumer) -> None:
    """Let running tasks finish (up to the shutdown timeout), then release the job engines."""
    consumer.stop(graceful=True)
    consumer.huey.notify_interrupted_tasks()
    dispose_job_engines()


def run_worker(
    settings: Settings, *, workers: int, worker_type: WorkerType, periodic: bool = True
) -> None:
    """Run a consumer in the foreground until SIGINT/SIGTERM, as `nabd worker` does."""
    configure_logging(log_format=settings.log_format, level=settings.log_level)
    load_tasks()
    consumer = Consumer(
        configure_jobs(settings),
        workers=workers,
        worker_type=worker_type,
        periodic=periodic,
        max_delay=MAX_POLL_DELAY_SECONDS,
        shutdown_timeout=SHUTDOWN_TIMEOUT_SECONDS,
    )
    consumer.run()
