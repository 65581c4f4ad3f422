"""PostgreSQL import of events: a batch COPYed on a second connection while the next is prepared.

On one connection the import's statements ran one after another: Python prepared a batch
(customers resolved, rows built), then waited while the backend stored it, so the
importer's and the backend's CPU added up instead of overlapping (bench/README.md,
2026-12-07). Here a writer thread with its own connection COPYs batch N into `events` while
the importer's connection resolves the customers of batch N + 1.

What one transaction guaranteed is kept by the order of the two:

- No event points at a customer that is not committed: the importer's transaction (customers,
  identities, seen dates) commits first, the writer's (events) after it; if either fails
  before, both roll back. Between the two commits a failure leaves customers whose events
  are missing, which a re-run of the file adds (the import reports nothing finished before
  the writer's commit).
- No erasure or merge runs between the resolution of a batch's customers and the commit of
  its events: the writer's transaction takes the event-writer lock (shared) before the
  importer resolves anything for it, and holds it to its commit. The importer's transaction
  does not take it: waiting for it there, behind an erasure queued after the writer's, while
  the writer waits for the importer, would be a deadlock that PostgreSQL cannot see.
- No wait goes on for ever. A request's batch may hold a customer's identity that the
  importer is about to create too, while it waits for an event id that the writer COPYed
  and has not committed; the writer commits only after the importer, so the importer,
  waiting for that identity, would wait for ever: PostgreSQL sees the batch waiting for the
  writer and the importer for the batch, but not the writer waiting for the importer, so no
  deadlock is detected. (Two imports of overlapping files meet the same way.) Every cycle of
  waits that PostgreSQL cannot see passes through the importer waiting on the database, so
  that wait is bounded (`LOCK_WAIT`): at the limit the batch is rolled back to before its
  customers were resolved, the batches stored are committed on both connections, which lets
  the other transaction finish, and the batch is resolved again.
- While the import's events have all been new, as when a file is imported once, their ids
  are not looked up (that look-up was a quarter of the import's time); the first
  batch whose COPY meets a stored id is rolled back on both connections (on the importer's,
  to before its customers were resolved, with the batch prepared after it), the batches
  before it are committed, and the rest of the file is stored as on one connection,
  looking its ids up (`ingest_events`).
"""

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from psycopg.errors import LockNotAvailable
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from nabd.core.plain_rows import copy_new_rows
from nabd.events.batch import BatchOutcome, Rejection
from nabd.events.ingest import (
    EVENT_COLUMNS,
    EventRows,
    SeenWindows,
    ingest_events,
    new_event_rows,
)
from nabd.events.rows import EventRow
from nabd.events.writers import hold_event_writers

# The longest the importer's connection waits for a row that another transaction holds while
# resolving a batch's customers, and how many such waits in a row a batch survives (module
# docstring: a wait PostgreSQL cannot see through the writer).
LOCK_WAIT = "2s"
LOCK_WAIT_ATTEMPTS = 10


class CustomersHeld(RuntimeError):
    """A batch waited `LOCK_WAIT_ATTEMPTS` times for customers another transaction held."""


# A stored batch as the import reports it: its row numbers, its rows' rejections (those the
# reader found first), its outcome.
Stored = tuple[list[int], list[Rejection], BatchOutcome]


class _Writer:
    """The second connection, used only by its one thread, one transaction at a time."""

    def __init__(self, session_factory: sessionmaker[Session], workspace_id: int) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nabd-import-writer")
        self._session_factory = session_factory
        self._workspace_id = workspace_id
        self._session: Session | None = None
        self.open = False
        self._closed = False

    def begin(self) -> None:
        """Begin a transaction holding the event-writer lock; returns once it is held."""
        self._thread.submit(self._begin).result()
        self.open = True

    def _begin(self) -> None:
        if self._session is None:
            self._session = self._session_factory()
        hold_event_writers(self._session, workspace_id=self._workspace_id)

    def copy(self, rows: list[tuple[object, ...]]) -> Future[bool]:
        """The rows COPYed into `events` in the open transaction: False when one of their ids
        is stored already (nothing of them is then written)."""
        return self._thread.submit(self._copy, rows)

    def _copy(self, rows: list[tuple[object, ...]]) -> bool:
        assert self._session is not None
        return copy_new_rows(self._session, table="events", columns=EVENT_COLUMNS, rows=rows)

    def commit(self) -> None:
        self._thread.submit(self._end, True).result()
        self.open = False

    def _end(self, commit: bool) -> None:
        if self._session is not None:
            if commit:
                self._session.commit()
            else:
                self._session.rollback()

    def close(self) -> None:
        """Roll back what is not committed, close the connection, end the thread."""
        if self._closed:
            return
        self._closed = True
        try:
            self._thread.submit(self._end, False).result()
            if self._session is not None:
                self._thread.submit(self._session.close).result()
        finally:
            self._thread.shutdown()


@dataclass
class _Flight:
    """A batch whose customers are resolved in the importer's transaction and whose rows the
    writer is COPYing."""

    numbers: list[int]
    rejected: list[Rejection]
    events: Sequence[EventRow]
    rows: EventRows
    repeats: int
    held_before: dict[tuple[str, str], int]
    savepoint: SessionTransaction
    copied: Future[bool] | None


class PipelinedEvents:
    """The storing step of a PostgreSQL events import (`nabd.imports.runner`): batches go in
    with `store`, and come out stored, a batch or two later, from `store` and `finish`.

    `session` is the importer's, in its own transaction; the writer's connection comes from
    `session_factory`. Every `rows_per_transaction` rows both transactions commit, the
    importer's first."""

    def __init__(
        self,
        session: Session,
        session_factory: sessionmaker[Session],
        *,
        workspace_id: int,
        rows_per_transaction: int,
    ) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self.seen = SeenWindows()
        self.held: dict[tuple[str, str], int] = {}
        # Whether every batch so far was new: then ids are not looked up (module docstring).
        self.new = True
        self._rows_per_transaction = rows_per_transaction
        self._pending = 0
        self._flight: _Flight | None = None
        self._writer = _Writer(session_factory, workspace_id)

    def store(
        self, numbers: list[int], events: Sequence[EventRow], rejected: list[Rejection]
    ) -> list[Stored]:
        """Store one batch; returns the batches whose storing has ended meanwhile."""
        if self.new:
            stored = self._prepare(numbers, events, rejected)
        else:
            outcome = ingest_events(
                self.session,
                workspace_id=self.workspace_id,
                events=events,
                seen=self.seen,
                held=self.held,
            )
            stored = [(numbers, rejected + outcome.rejected, outcome)]
            self._pending += len(numbers)
        if self._pending >= self._rows_per_transaction:
            stored += self._commit()
        return stored

    def finish(self) -> list[Stored]:
        """Store what is in flight and commit both transactions, the importer's first."""
        stored = self._commit()
        self._writer.close()
        return stored

    def close(self) -> None:
        """On any way out: the writer's work not committed is rolled back."""
        self._writer.close()

    def _prepare(
        self, numbers: list[int], events: Sequence[EventRow], rejected: list[Rejection]
    ) -> list[Stored]:
        stored: list[Stored] = []
        for attempt in range(1, LOCK_WAIT_ATTEMPTS + 1):
            if not self._writer.open:
                self._writer.begin()
            held_before = dict(self.held)
            # Savepoints stay open until the commit: one rolled back takes those after it along.
            savepoint = self.session.begin_nested()
            try:
                rows, repeats = self._resolve(events)
                break
            except OperationalError as error:
                if not isinstance(error.orig, LockNotAvailable):
                    raise
                if attempt == LOCK_WAIT_ATTEMPTS:
                    raise CustomersHeld from error
            # Waited too long for a row another transaction holds, which may be waiting for
            # the writer (module docstring): commit what is stored, releasing the writer's
            # rows, and resolve the batch again.
            savepoint.rollback()
            self.held.clear()
            self.held.update(held_before)
            stored += self._commit()
            if not self.new:  # the commit met a stored id: the rest is looked up
                return stored + self.store(numbers, events, rejected)
        flight = _Flight(numbers, rejected, events, rows, repeats, held_before, savepoint, None)
        landed, refused = self._land()
        stored += landed
        if refused is not None:
            return stored + self._store_again([refused, flight])
        if rows.values:
            flight.copied = self._writer.copy(rows.values)
        self._flight = flight
        self._pending += len(numbers)
        return stored

    def _resolve(self, events: Sequence[EventRow]) -> tuple[EventRows, int]:
        """`new_event_rows` waiting at most `LOCK_WAIT` for a row another transaction holds;
        the limit, set inside the batch's savepoint, ends with it."""
        connection = self.session.connection()
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")
        resolved = new_event_rows(
            self.session, workspace_id=self.workspace_id, events=events, held=self.held
        )
        connection.exec_driver_sql("SET LOCAL lock_timeout TO DEFAULT")
        return resolved

    def _land(self) -> tuple[list[Stored], _Flight | None]:
        """The batch in flight, waited for: stored, or refused (a stored id)."""
        flight, self._flight = self._flight, None
        if flight is None:
            return [], None
        if flight.copied is not None and not flight.copied.result():
            return [], flight
        self.seen.add(flight.rows.customer_ids, flight.rows.moments)
        outcome = BatchOutcome(
            accepted=len(flight.rows.values),
            duplicates=flight.repeats,
            rejected=flight.rows.rejected,
        )
        return [(flight.numbers, flight.rejected + outcome.rejected, outcome)], None

    def _store_again(self, flights: list[_Flight]) -> list[Stored]:
        """The first refused batch (and any prepared after it) undone, the batches before it
        committed, and these batches stored again looking their ids up."""
        for flight in reversed(flights):
            flight.savepoint.rollback()
        self.held.clear()
        self.held.update(flights[0].held_before)
        self.new = False
        self._commit()
        stored: list[Stored] = []
        for flight in flights:
            stored += self.store(flight.numbers, flight.events, flight.rejected)
        return stored

    def _commit(self) -> list[Stored]:
        stored, refused = self._land()
        if refused is not None:
            stored += self._store_again([refused])
        self.seen.write(self.session, workspace_id=self.workspace_id)
        self.session.commit()
        if self._writer.open:
            self._writer.commit()
        self.held.clear()
        self._pending = 0
        return stored
