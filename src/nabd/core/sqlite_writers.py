"""One SQLite writer at a time per process, queued on a lock instead of SQLite's busy handler.

SQLite admits one writer. A second writer waits inside SQLite's busy handler, which sleeps
1, 2, 5 … up to 100 ms between attempts, so under concurrent writes (the API's worker
threads) most of the waiting is spent asleep while the database is already free again: on
the survey-response benchmark half of the server's time went there, with a p99 near one
second. Here a connection takes a per-database lock at its first write statement and gives
it back when it returns to the pool (after COMMIT or ROLLBACK), so the next writer starts the
moment the previous one commits. Writers in other processes (a separate worker) still meet
SQLite's busy handler, as before.
"""

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.pool import ConnectionPoolEntry

# Statement prefixes that take SQLite's write lock (CTE writes begin with WITH and are
# rare here; they fall back to the busy handler). BEGIN IMMEDIATE: `nabd.core.group_commit`.
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE")
_HELD = "nabd_sqlite_write_lock"
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def holds_write_lock(connection: Connection) -> bool:
    """True once this connection took its database's process write lock (at its first write,
    or a group commit's BEGIN IMMEDIATE): until it returns to the pool, further writes on it
    need no lock and may go straight to the driver (`nabd.core.bulk.driver_write`)."""
    return _HELD in connection.info


def serialise_writers(engine: Engine, *, timeout_seconds: float) -> None:
    """Queue this engine's writers on the process-wide lock of its database file."""
    database = engine.url.database or ""
    if database in ("", ":memory:"):
        return  # a private in-memory database has no other writer
    with _locks_guard:
        lock = _locks.setdefault(database, threading.Lock())

    def acquire(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        info = connection.info
        if info.get(_HELD) or not statement.lstrip()[:15].upper().startswith(_WRITES):
            return
        if not lock.acquire(timeout=timeout_seconds):
            raise sqlite3.OperationalError("database is locked (another writer of this process)")
        info[_HELD] = lock

    def release(_dbapi_connection: Any, record: ConnectionPoolEntry, *_args: Any) -> None:
        held = record.info.pop(_HELD, None)
        if held is not None:
            held.release()

    event.listen(engine, "before_cursor_execute", acquire)
    # A plain threading.Lock (not an RLock): FastAPI may open a request's session on one
    # worker thread and close it on another.
    for name in ("checkin", "invalidate", "close", "close_detached"):
        event.listen(engine.pool, name, release)
