"""What a task needs to touch the database: its own transaction, from the configured settings.

One engine per process (and per database URL), created on first use, so a worker thread
pool shares a connection pool instead of opening one per task.
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from nabd.core.db import create_db_engine, create_session_factory, transaction
from nabd.jobs.queue import configured_settings

_lock = threading.Lock()
_factories: dict[str, tuple[Engine, sessionmaker[Session]]] = {}


def _session_factory(database_url: str) -> sessionmaker[Session]:
    with _lock:
        if database_url not in _factories:
            engine = create_db_engine(database_url)
            _factories[database_url] = (engine, create_session_factory(engine))
        return _factories[database_url][1]


@contextmanager
def job_transaction() -> Iterator[Session]:
    """A unit of work for a task: committed when the task body returns, rolled back if it raises."""
    settings = configured_settings()
    with transaction(_session_factory(settings.resolved_database_url)) as session:
        yield session


def dispose_job_engines() -> None:
    """Close every pooled connection, e.g. when the embedded consumer stops."""
    with _lock:
        for engine, _factory in _factories.values():
            engine.dispose()
        _factories.clear()
