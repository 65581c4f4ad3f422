"""A workspace's event-writer lock: events never point at a customer deleted meanwhile.

`events` has no foreign keys (`nabd.events.models.Event`), so nothing in the database stops
a batch from storing the id of a customer that an erasure or merge deleted after the batch
resolved it and before it committed: the deletion's own statements cannot see the batch's
uncommitted events. Ingestion therefore holds this lock shared from resolving its customers
to its commit, and a deletion of customers takes it exclusively before it reads anything: it
waits for the batches in flight to commit (and then sees their events), and batches that
come after it wait for it and resolve their customers afresh. Erasure and merge take it
first thing; `identify`, when it may merge, before its first write (taken after, it could
hold a customer's row that a waiting batch needs while it waits for that batch), or, when
it finds it must merge only after writing, once those writes are rolled back to a savepoint.

PostgreSQL: a transaction-scoped advisory lock per workspace (one statement a batch, about
0.1 µs an event). SQLite admits one writer at a time: both sides make their transaction a
write transaction from the start (`BEGIN IMMEDIATE`, as the lane's group commit already
does), so no other writer commits between their reads and their writes.
"""

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from nabd.core.plain_rows import is_sqlite

# The advisory lock's first key, naming this lock among any others of the database; the
# second is the workspace (two int4 keys: ids past 2**31 share a lock, which only waits more).
_LOCK_CLASS = 0x4E414244  # "NABD"
_INT4 = 2**31


def hold_event_writers(session: Session, *, workspace_id: int) -> None:
    """Ingestion, before it resolves customers: held until the transaction ends."""
    _lock(session, "pg_advisory_xact_lock_shared", workspace_id)


def holding_event_writers(workspace_id: int) -> str:
    """PostgreSQL: the statement of `hold_event_writers`, without parameters, for a caller
    that sends it with others in one round trip (`places.index_places_at_savepoint`)."""
    return _lock_statement("pg_advisory_xact_lock_shared", workspace_id)


def exclude_event_writers(session: Session, *, workspace_id: int) -> None:
    """A deletion of customers, before it reads them: waits for the batches in flight."""
    _lock(session, "pg_advisory_xact_lock", workspace_id)


def _lock(session: Session, function: str, workspace_id: int) -> None:
    connection = session.connection()
    if is_sqlite(session):
        _write_transaction(connection)
        return
    connection.exec_driver_sql(_lock_statement(function, workspace_id))


def _lock_statement(function: str, workspace_id: int) -> str:
    # Both keys are ints (`%d` refuses anything else), so the text is safe without parameters.
    return f"SELECT {function}({_LOCK_CLASS:d}, {workspace_id % _INT4:d})"


def _write_transaction(connection: Connection) -> None:
    """SQLite: the connection's transaction begun as a writer's, if not already (sqlite3
    begins one only at the first write; before it, reads see each commit as it happens)."""
    driver = connection.connection.driver_connection
    if not driver.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # takes the process's writer lock too
