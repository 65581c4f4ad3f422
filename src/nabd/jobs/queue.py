"""The one Huey instance every domain's `tasks.py` registers on, and its storage.

Tasks are declared at import time (`@huey.task()`), before any settings are known, so the
instance starts without storage and each process entry point (`nabd serve`, `nabd worker`, a
CLI command that enqueues, a test) calls `configure_jobs(settings)` once. Until then enqueueing
fails loudly instead of dropping the job.
"""

import sqlite3
import threading
from typing import Any

from huey import Huey
from huey.storage import BaseStorage, PriorityRedisStorage, SqliteStorage

from nabd.config import Settings

JOBS_DATABASE_FILE = "jobs.sqlite3"


class JobsNotConfigured(RuntimeError):
    """A programming error: this process never said where its jobs go."""

    def __init__(self) -> None:
        super().__init__("background jobs are not configured: call configure_jobs(settings)")


class _UnconfiguredStorage(BaseStorage):
    """Refuses work until `configure_jobs` installs the real storage."""

    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        raise JobsNotConfigured()

    def dequeue(self) -> None:
        raise JobsNotConfigured()

    def add_to_schedule(self, data: bytes, ts: Any, utc: bool = True) -> None:
        raise JobsNotConfigured()


class _SqliteQueue(SqliteStorage):
    """Huey's SQLite queue in WAL mode with `synchronous=NORMAL` (nabd's own database: FULL).

    Huey's default (FULL) waits for an fsync on every enqueue: 5 ms here, as long as a whole
    API request that stores a survey answer. NORMAL still survives a crash of the process;
    what a power cut could drop is redone from the database, which is where every job's
    work is recorded (unannotated texts, due invitations, the snapshot's watermarks).
    """

    def _create_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection = super()._create_connection()
        connection.execute("pragma synchronous=NORMAL")
        return connection


huey = Huey("nabd", storage_class=_UnconfiguredStorage, utc=True)

_lock = threading.Lock()
_configured: Settings | None = None


def _build_storage(settings: Settings) -> BaseStorage:
    name = settings.jobs_queue_name
    if settings.jobs_redis_url:
        # Priority storage lets urgent tasks (`priority=` on the task) overtake bulk work.
        return PriorityRedisStorage(name, url=settings.jobs_redis_url)
    settings.ensure_data_dir()
    return _SqliteQueue(name, filename=str(settings.data_dir / JOBS_DATABASE_FILE))


def configure_jobs(settings: Settings) -> Huey:
    """Point the queue at the storage the settings name: Redis if configured, else SQLite."""
    global _configured
    with _lock:
        previous = huey.storage
        huey.name = settings.jobs_queue_name
        huey.storage = _build_storage(settings)
        previous.close()
        _configured = settings
    return huey


def has_queue() -> bool:
    """Whether this process can enqueue jobs (the CLI and scripts may have no queue; what
    they would enqueue is then left to the periodic sweeps and refreshes)."""
    return _configured is not None


def configured_settings() -> Settings:
    """The settings `configure_jobs` was given: tasks read the database URL and paths from it."""
    if _configured is None:
        raise JobsNotConfigured()
    return _configured
