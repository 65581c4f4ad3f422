"""Units of work from concurrent requests run by one writer in one transaction: one COMMIT.

A single API write (a survey response) is a few small statements, and what it cost beyond
them was the transaction around them: the session's commit, the connection's checkout and
return, the process's SQLite write lock taken and handed over, the queue write of the
annotation job, and a hop to a worker thread and back, each once per request. Here an async
handler queues its unit and awaits it; one writer thread runs every unit queued by then in
one transaction, commits once, and hands all the results back to the event loop in one call;
units queued meanwhile form the next group, which waits up to GATHER_SECONDS for the callers
just answered to send their next units (`GroupCommit._gather`). The writer runs while units
are queued and ends when none are left. A unit may run twice (the first run rolled back, see
below), so it must have no effect outside its transaction (jobs go through
`nabd.jobs.enqueue`). On PostgreSQL, which runs transactions side by side, the units are not
grouped but run by a few writers at once (`GroupCommit.for_database`).

- A unit that raises is rolled back alone (the group runs again with a SAVEPOINT around each
  unit); its caller gets the exception, the other units of the group are unaffected.
- A caller gets its result only after the group's COMMIT (and after the jobs enqueued for
  after the commit were sent): a 2xx reply still means the data is durable. If the COMMIT
  itself fails, every unit of the group gets that error, none was stored.
- Rows a unit leaves to the group (`nabd.core.deferred_writes`: a response's answers,
  feedback items and rollup counts) are written once for the whole group before the COMMIT;
  if that fails, the group runs again isolated, each unit's rows written in its SAVEPOINT.
- Jobs enqueued after commit are sent once per group: a job that coalesces per transaction
  (the annotation of new feedback) is sent once for the whole group.
- Each unit runs in a copy of its caller's context variables (the request's phone region,
  locale), on the writer's thread.
"""

import asyncio
import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from nabd.core.db import temp_store_in_memory
from nabd.core.deferred_writes import defer_writes, discard_pending, write_pending

T = TypeVar("T")

# Units per transaction at most, so that the first caller of a long queue is not held up
# behind all of it.
MAX_GROUP = 64
# Items (a unit's `weight`: 1 for a survey response, its event count for a batch of events)
# per transaction at most, for the same reason: every caller of a group waits for the whole
# group's COMMIT, so 64 batches of 1,000 events would hold the first caller (and any survey
# response queued with them) behind 64,000 rows. A unit heavier than this runs alone.
MAX_GROUP_WEIGHT = 2_000
# How long a writer waits at most, between groups, for the callers it has just answered to
# send their next units (see `GroupCommit._gather`).
GATHER_SECONDS = 0.002
# Writer threads on PostgreSQL: as many transactions at once as the benchmark's clients had
# before (fewer cut its rate by a fifth), within the engine's pool of 10 (+10) connections.
POSTGRES_WRITERS = 8


@dataclass(eq=False)
class _Unit(Generic[T]):
    work: Callable[[Session], T]
    future: "asyncio.Future[T]"
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    weight: int = 1
    result: T | None = None
    error: Exception | None = None


class GroupCommit:
    """Runs `work(session)` for concurrent callers, many per transaction (see the module)."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        max_group: int = MAX_GROUP,
        writers: int = 1,
    ):
        self._session_factory = session_factory
        self._max_group = max_group
        self._max_writers = writers
        self._queue: deque[_Unit[Any]] = deque()
        self._lock = threading.Lock()
        # Signalled when the queue reaches `_wanted` units while a writer gathers them.
        self._arrived = threading.Condition(self._lock)
        self._wanted = 0
        self._gave_up = False  # the last wait ran out (see `_gather`)
        self._writers = 0
        # Its own threads (started when first needed, kept while the process lives): the
        # event loop's default executor may have fewer than `writers`.
        self._executor = ThreadPoolExecutor(writers, thread_name_prefix="group-commit")

    @classmethod
    def for_database(cls, session_factory: sessionmaker[Session], dialect: str) -> "GroupCommit":
        """SQLite admits one writer at a time: one writer thread, groups of up to MAX_GROUP.
        PostgreSQL runs transactions side by side: POSTGRES_WRITERS writer threads, one unit
        per transaction. Grouped there, every statement's round trip queued behind one thread
        (half the benchmark's rate), and concurrent groups' rollup upserts could deadlock."""
        if dialect == "sqlite":
            return cls(session_factory)
        return cls(session_factory, max_group=1, writers=POSTGRES_WRITERS)

    async def run(self, work: Callable[[Session], T], *, weight: int = 1) -> T:
        """`work`'s result once its transaction has committed; its exception otherwise.
        `weight` is how many items it stores (see MAX_GROUP_WEIGHT)."""
        loop = asyncio.get_running_loop()
        unit = _Unit(work, loop.create_future(), weight=weight)
        if self._put(unit):
            # Its future is not awaited: the units' own futures carry every outcome.
            loop.run_in_executor(self._executor, self._write, loop)
        return await unit.future

    def _put(self, unit: _Unit[Any]) -> bool:
        """Queue the unit, waking a writer that gathers; True if a writer must be started."""
        with self._lock:
            self._queue.append(unit)
            if self._wanted and len(self._queue) >= self._wanted:
                self._arrived.notify()
            start = self._writers < self._max_writers
            self._writers += start
        return start

    def _write(self, loop: asyncio.AbstractEventLoop) -> None:
        expected = 0
        try:
            while group := self._next_group(expected):
                self._run_group(group)
                # The callers about to be answered, and those already queued: the units
                # the next group can count on (read without the lock: an estimate).
                expected = len(group) + len(self._queue)
                loop.call_soon_threadsafe(_settle, group)
        except BaseException:
            with self._lock:
                self._writers -= 1
            raise

    def _next_group(self, expected: int) -> list[_Unit[Any]]:
        """The next units to run; none, and this writer is done, when the queue is empty."""
        with self._lock:
            if self._max_group > 1:
                self._gather(min(expected, self._max_group))
            group: list[_Unit[Any]] = []
            weight = 0
            while self._queue and len(group) < self._max_group:
                weight += self._queue[0].weight
                if group and weight > MAX_GROUP_WEIGHT:
                    break
                group.append(self._queue.popleft())
            if not group:
                self._writers -= 1
            return group

    def _gather(self, wanted: int) -> None:
        """Wait (the lock held, released while waiting) until `wanted` units are queued, for
        at most GATHER_SECONDS.

        A group's transaction costs about as much again as its units (session, BEGIN,
        COMMIT with its WAL fsync, the wake-up of the event loop). Taken at once, a group was
        whatever the event loop had queued while the previous one ran: about a third of the
        concurrent callers (the event loop waits for the GIL the writer holds), so groups
        stayed small. Waiting for the callers just answered to come back makes a group of
        every concurrent caller; a caller that does not come back costs one wait, after
        which `expected` no longer counts it. Units already queued wait at most this long,
        and the group after a wait that ran out does not wait: on a machine too busy to
        run the callers promptly, waiting only slowed every group down.
        """
        if len(self._queue) >= wanted or self._gave_up:
            self._gave_up = False
            return
        deadline = time.monotonic() + GATHER_SECONDS
        self._wanted = wanted
        try:
            while len(self._queue) < wanted:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._gave_up = True
                    return
                self._arrived.wait(remaining)
        finally:
            self._wanted = 0

    def _run_group(self, group: list[_Unit[Any]]) -> None:
        """Run the units in one transaction; each gets its result or its error.

        Optimistically without SAVEPOINTs first (two statements and SQLAlchemy's nested
        transaction per unit, about a third of a survey response's time); if a unit fails, that
        transaction is rolled back and the group runs again with a SAVEPOINT around each
        unit, so that the failure stays with its unit.
        """
        try:
            # A unit alone keeps its error: its transaction held nothing else.
            if not self._run_together(group, isolated=False) and len(group) > 1:
                self._run_together(group, isolated=True)
        except Exception as error:
            for unit in group:
                unit.result, unit.error = None, error

    def _run_together(self, group: list[_Unit[Any]], *, isolated: bool) -> bool:
        """True once committed; False, rolled back, at the first unit that fails when the
        units are not isolated from each other."""
        run = _run_isolated if isolated else _run
        with self._session_factory() as session:
            _begin(session)
            defer_writes(session)
            for unit in group:
                unit.context.run(run, session, unit)
                if unit.error is not None and not isolated:
                    session.rollback()
                    return False
            if not isolated:
                try:
                    write_pending(session)
                except Exception as error:
                    # Not told apart per unit here: the isolated run writes each unit's rows
                    # in its own SAVEPOINT (a unit alone keeps the error).
                    group[0].result, group[0].error = None, error
                    session.rollback()
                    return False
            session.commit()
        return True


def _settle(group: list[_Unit[Any]]) -> None:
    for unit in group:
        if unit.future.cancelled():  # the caller went away; its unit still ran
            continue
        if unit.error is not None:
            unit.future.set_exception(unit.error)
        else:
            unit.future.set_result(unit.result)


def _begin(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # pysqlite opens a transaction only before an INSERT, UPDATE or DELETE, so a unit's
        # SAVEPOINT would open (and its RELEASE commit) a transaction of its own. IMMEDIATE:
        # the group writes anyway, and reads after the write lock see every commit. Its
        # statements' journals and the units' SAVEPOINTs stay in memory (see the function).
        temp_store_in_memory(connection)
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _run(session: Session, unit: _Unit[Any]) -> None:
    try:
        result = unit.work(session)
        session.flush()  # a failing write belongs to this unit, not to the COMMIT
    except Exception as error:
        unit.result, unit.error = None, error
    else:
        unit.result, unit.error = result, None


def _run_isolated(session: Session, unit: _Unit[Any]) -> None:
    try:
        with session.begin_nested():
            unit.result, unit.error = unit.work(session), None
            write_pending(session)  # the unit's deferred rows, inside its SAVEPOINT
    except Exception as error:
        unit.result, unit.error = None, error
        discard_pending(session)
        _ensure_open(session)


def _ensure_open(session: Session) -> None:
    """Raise if the database ended the group's transaction under a failed unit (SQLite rolls
    the whole transaction back on some errors, such as a full disk): the units before it would
    otherwise be acknowledged without being stored, so the whole group fails instead."""
    driver = session.connection().connection.driver_connection
    # psycopg keeps the transaction after an error rolled back to a SAVEPOINT.
    if not getattr(driver, "in_transaction", True):
        raise RuntimeError("the group's transaction was rolled back by the database")
