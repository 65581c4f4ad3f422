"""Engine and session factories; one code path for SQLite and PostgreSQL."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from nabd.core.sqlite_writers import serialise_writers

BUSY_TIMEOUT_MS = 10_000
SQLITE_POOL_SIZE = 40


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers work while a writer commits; foreign keys are off by default.
    # FULL: every commit waits for the WAL's fsync, so what nabd acknowledged survives a
    # power cut too (NORMAL only survives a crash of the process). In WAL mode that is one
    # fsync per transaction, ~0.2 ms here, shared by a whole group commit or batch.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


# Marks a pooled SQLite connection whose temporary storage `temp_store_in_memory` moved into
# memory, to be moved back when it returns to the pool (`_restore_temp_store`).
_TEMP_IN_MEMORY = "nabd_sqlite_temp_store_in_memory"


def temp_store_in_memory(connection: Connection) -> None:
    """Keep this SQLite connection's statement journals in memory until it returns to the
    pool; run before its transaction begins (SQLite reads the setting then).

    Within a transaction, SQLite copies every page a statement changes into a statement
    journal when the statement may fail after writing some rows (an INSERT of several rows,
    any of which may break a NOT NULL), so that a failure undoes the statement alone; a
    SAVEPOINT's changes are journaled the same way. Past 64 KiB in one statement (16 pages)
    the journal spills to a temporary file, which then takes every later statement's copies,
    two `pwrite64` calls a page, until the COMMIT: on the events API, 3 in 4 of the writer's
    write calls and about 1.3 µs of kernel time an event (bench/README.md). `temp_store`
    MEMORY keeps them in memory (a statement's copies are freed at its end), but it moves
    every temporary table and index of the connection too (a large DISTINCT or a
    materialised subquery), so it holds for the writer's transaction only: a reader given
    the connection later spills to disk as before.
    """
    # Straight to the driver, as `_restore_temp_store`: a setting, not a statement of the
    # transaction (nothing in SQLAlchemy's events to count or to serialise).
    driver = connection.connection.driver_connection
    assert driver is not None  # the connection is checked out
    driver.execute("PRAGMA temp_store=MEMORY")
    connection.info[_TEMP_IN_MEMORY] = True


def _restore_temp_store(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    if record.info.pop(_TEMP_IN_MEMORY, False) and dbapi_connection is not None:
        dbapi_connection.execute("PRAGMA temp_store=DEFAULT")


def _null(value: None) -> None:
    return value


# sqlite3 binds None as NULL, but first looks for an adapter of None (only ints, floats, str
# and bytearray skip the search), and finding none costs two attribute lookups and an
# AttributeError formatted and cleared, per value: about half of binding a batch's rows, most
# of whose columns hold a few NULLs. With one registered, the search is a dict lookup and a
# call; NULL is still what is bound. The registry is process-wide (every sqlite3 connection),
# so it is filled once, here, rather than each time an engine is made.
sqlite3.register_adapter(type(None), _null)


def create_db_engine(database_url: str) -> Engine:
    """Create an engine with the pragmas or pool settings its database needs."""
    if database_url.startswith("sqlite"):
        in_memory = make_url(database_url).database in (None, "", ":memory:")
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False},
            # As many kept connections as the web server has worker threads (anyio's 40):
            # beyond the default 5, each request past the fifth at once opened a connection
            # (and ran the pragmas below) and closed it again. Past the 40 (jobs run in the
            # same process, async handlers), more are opened rather than waited for: a
            # SQLite connection is cheap and writers are serialised below anyway.
            **({} if in_memory else {"pool_size": SQLITE_POOL_SIZE, "max_overflow": -1}),
        )
        event.listen(engine, "connect", _tune_sqlite)
        event.listen(engine.pool, "checkin", _restore_temp_store)
        serialise_writers(engine, timeout_seconds=BUSY_TIMEOUT_MS / 1000)
        return engine
    return create_engine(
        database_url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        # psycopg prepares a statement server-side after 5 runs, and PostgreSQL may then
        # switch it to a generic plan: for the batch lookups (IN lists of 500 parameters) and
        # per-row UPDATEs of ingestion those generic plans made each batch ten times slower
        # and grew with the table (bench/ingest_events.py: 584 → 5,589 events/s in process).
        connect_args={"prepare_threshold": None}
        if make_url(database_url).get_driver_name() == "psycopg"
        else {},
    )


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work (a request, a CLI command, a job): commit on success, roll back on error."""
    session = session_factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
