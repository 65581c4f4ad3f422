"""Running an import: read, map, validate and store a file batch by batch.

Batches are read, validated and stored one at a time, so memory stays flat whatever the file
size; several batches share a transaction (ROWS_PER_TRANSACTION), and a failure loses at most
that transaction's rows: natural keys (event_id, order_id, external_id, the
customer's identities) make a re-run after a failure, or a second run of the same file, add
nothing twice. A dry run validates every row (including channel and touchpoint keys) and
writes nothing.
"""

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from nabd.core.audit import Actor, record_audit
from nabd.core.db import temp_store_in_memory, transaction
from nabd.core.errors import Conflict
from nabd.core.i18n import N_
from nabd.core.plain_rows import is_sqlite
from nabd.customers.references import using_phone_region
from nabd.events.batch import BatchOutcome, Rejection, validate_all
from nabd.events.ingest import (
    UNKNOWN_CHANNEL,
    UNKNOWN_TOUCHPOINT,
    SeenWindows,
    ingest_events,
    ingest_transactions,
)
from nabd.events.places import index_places
from nabd.events.rows import validate_events
from nabd.events.schemas import TransactionIn
from nabd.feedback.ingest import ingest_feedback
from nabd.feedback.schemas import FeedbackIn
from nabd.imports.customers import CustomerIn, upsert_customers
from nabd.imports.event_columns import checked_event_batches, reads_by_column
from nabd.imports.event_writer import CustomersHeld, PipelinedEvents, Stored
from nabd.imports.mapping import Kind, Mapping, column_of, item_builder
from nabd.imports.pipeline import one_ahead
from nabd.imports.reader_process import ReaderJob, checked_in_process, worth_a_process
from nabd.imports.readers import Row, is_csv, read_rows

# Rows per transaction: large enough that a batch's fixed costs (its lookups, its commit)
# vanish per row, small enough that memory stays flat (bench/ingest_events.py).
DEFAULT_BATCH_SIZE = 5000
MAX_KEPT_ERRORS = 1000

Items = list[tuple[int, Any]]
Validate = Callable[[list[dict[str, Any]], str], tuple[Items, list[Rejection]]]
Ingest = Callable[..., BatchOutcome]


def _validating(schema: type[BaseModel]) -> Validate:
    return lambda raw, locale: validate_all(raw, schema, locale=locale)


def _validate_events(raw: list[dict[str, Any]], locale: str) -> tuple[Items, list[Rejection]]:
    rows, rejected = validate_events(raw, locale=locale)
    return [(row.item_index, row) for row in rows], rejected


def _ingest_events(
    session: Session,
    *,
    workspace_id: int,
    items: Items,
    seen: SeenWindows,
    held: dict[tuple[str, str], int],
) -> BatchOutcome:
    events = [row for _, row in items]
    return ingest_events(session, workspace_id=workspace_id, events=events, seen=seen, held=held)


KINDS: dict[str, tuple[Validate, Ingest]] = {
    "customers": (_validating(CustomerIn), upsert_customers),
    "events": (_validate_events, _ingest_events),
    "transactions": (_validating(TransactionIn), ingest_transactions),
    "feedback": (_validating(FeedbackIn), ingest_feedback),
}


class ImportStopped(Conflict):
    """A batch could not be stored: the import ended there, at a row the message names."""

    code = "import_stopped"

    def __init__(self, message: str, *, row: int, reason: str, detail: str = "") -> None:
        super().__init__(message, params={"row": row, "detail": detail})
        self.row = row
        self.reason = reason


CUSTOMERS_HELD = N_(
    "The import stopped at row %(row)s: customers named there were held by another import or "
    "API request for too long. Every row before it is stored; import the same file again to "
    "complete it (rows already stored count as already known)."
)
DATABASE_FAILED = N_(
    "The import stopped at row %(row)s: the database failed (%(detail)s). Batches committed "
    "before it are kept; import the same file again to complete it (rows already stored count "
    "as already known)."
)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass
class ImportReport:
    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)

    def add_errors(self, errors: list[RowError]) -> None:
        self.error_count += len(errors)
        room = MAX_KEPT_ERRORS - len(self.errors)
        self.errors.extend(errors[: max(room, 0)])


def _batches(rows: Iterator[tuple[int, Row]], size: int) -> Iterator[list[tuple[int, Row]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _place_rejections(
    session: Session, *, workspace_id: int, items: list[tuple[int, Any]]
) -> list[Rejection]:
    """What the store step would refuse for unknown places, checked without writing."""

    def keys(name: str) -> list[str | None]:
        return [getattr(item, name, None) for _, item in items]

    places = index_places(
        session,
        workspace_id=workspace_id,
        channel_keys=keys("channel"),
        touchpoint_keys=keys("touchpoint"),
    )
    rejected = []
    for index, item in items:
        touchpoint = getattr(item, "touchpoint", None)
        channel = getattr(item, "channel", None)
        if touchpoint and touchpoint not in places.touchpoints:
            rejected.append(Rejection(index, "touchpoint", UNKNOWN_TOUCHPOINT, {"key": touchpoint}))
        elif channel and channel not in places.channels:
            rejected.append(Rejection(index, "channel", UNKNOWN_CHANNEL, {"key": channel}))
    return rejected


def run_import(
    session_factory: sessionmaker[Session],
    *,
    workspace_id: int,
    kind: Kind,
    path: Path,
    mapping: Mapping,
    time_zone: str,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    locale: str = "en",
    on_batch: Callable[[int], None] | None = None,
    phone_region: str,
    reader_process: bool = False,
) -> ImportReport:
    """Import `path` into the workspace; `on_batch(rows)` reports progress after each batch.

    National phone numbers are read in `phone_region` (the workspace's setting). With
    `reader_process`, a large events CSV is read and validated in a second process
    (`reader_process.worth_a_process`); else, and for every other file, on a thread.
    """
    with using_phone_region(phone_region), _fewer_collections():
        return _import(
            session_factory,
            workspace_id=workspace_id,
            kind=kind,
            path=path,
            mapping=mapping,
            time_zone=time_zone,
            dry_run=dry_run,
            batch_size=batch_size,
            locale=locale,
            on_batch=on_batch,
            phone_region=phone_region,
            reader_process=reader_process,
        )


# Rows stored per transaction: several batches, so the pages a batch dirties (the events'
# indexes, the customers' seen dates) are mostly written to the database once per
# transaction rather than once per batch; a failure loses at most this many rows, and a
# re-run adds only what is missing. Each commit writes every page the transaction dirtied
# to SQLite's WAL and then to the database: an events index ordered by customer is dirtied
# nearly whole by every transaction, and each transaction rewrites its customers' seen
# dates. At 25,000 rows a 1 M-row import wrote 2.2 GB for a 193 MB database; at 50,000,
# 1.35 GB and ~2.5 µs less importer CPU a row; at 100,000, 0.9 GB but little less CPU
# (bench/README.md, 2026-12-06 23:30). SQLite holds its write lock for the whole
# transaction (about 0.7 s at 75,000 rows/s), so other writers wait at most that long.
ROWS_PER_TRANSACTION = 50_000
# SQLite's page cache for the import's connection (KiB), sized so that a transaction's dirty
# pages stay in memory instead of being spilled to the WAL and written again.
IMPORT_CACHE_KIB = 65_536


class _Store:
    """One open transaction, committed every ROWS_PER_TRANSACTION rows, with the events'
    first/last-seen windows of its batches written once before each commit and the identities
    its batches resolved (a file's customers recur batch after batch). On SQLite nothing else
    writes between the transaction's first write and its commit, so what it learnt stays true;
    it is forgotten at each commit. A PostgreSQL events import stores through
    `PipelinedEvents` instead."""

    def __init__(self, session: Session, workspace_id: int, *, sqlite: bool) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self.seen = SeenWindows()
        self.held: dict[tuple[str, str], int] = {}
        self._pending = 0
        self._sqlite = sqlite
        self._tune()

    def wrote(self, rows: int) -> None:
        self._pending += rows
        if self._pending >= ROWS_PER_TRANSACTION:
            self.finish()
            self.session.commit()
            self._tune()

    def finish(self) -> None:
        self.seen.write(self.session, workspace_id=self.workspace_id)
        self.held.clear()
        self._pending = 0

    def _tune(self) -> None:
        """SQLite, before each transaction (a commit returns the connection to the pool, which
        may hand out another): the import's page cache, and its statements' journals kept in
        memory as a group commit's (`temp_store_in_memory`: 953 → 843 MB written by an
        import of 300,000 events with it before the first transaction only)."""
        if self._sqlite:
            connection = self.session.connection()
            temp_store_in_memory(connection)
            connection.exec_driver_sql(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")


@contextmanager
def _storing(session_factory: sessionmaker[Session], workspace_id: int) -> Iterator[_Store]:
    with transaction(session_factory) as session:
        sqlite = is_sqlite(session)
        if sqlite:
            usual_cache = session.connection().exec_driver_sql("PRAGMA cache_size").scalar_one()
        store = _Store(session, workspace_id, sqlite=sqlite)
        yield store
        store.finish()
        if sqlite:  # the pooled connection goes back with its usual cache
            session.connection().exec_driver_sql(f"PRAGMA cache_size={int(usual_cache)}")


# Objects allocated between two collections of the youngest generation. A batch's thousands of
# rows live until it is stored, so at the default (700) the collector walked them dozens of
# times per batch for nothing: about half of the CSV reading and validation time.
IMPORT_GC_THRESHOLD = 100_000


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect the youngest generation less often for the length of the import."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], IMPORT_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _import(
    session_factory: sessionmaker[Session],
    *,
    workspace_id: int,
    kind: Kind,
    path: Path,
    mapping: Mapping,
    time_zone: str,
    dry_run: bool,
    batch_size: int,
    locale: str,
    on_batch: Callable[[int], None] | None,
    phone_region: str,
    reader_process: bool,
) -> ImportReport:
    ingest = KINDS[kind][1]
    report = ImportReport()
    with (
        _storing(session_factory, workspace_id) as store,
        # Closed on any way out, so a reader (thread or process) never outlives the import.
        closing(
            _prepared(
                kind,
                path,
                mapping=mapping,
                zone=ZoneInfo(time_zone),
                size=batch_size,
                locale=locale,
                in_process=reader_process,
                phone_region=phone_region,
                sqlite=is_sqlite(store.session),
            )
        ) as checked,
        # PostgreSQL's events are COPYed on a second connection (`event_writer`), and its
        # work not committed is rolled back on any way out.
        _pipelined(store, session_factory, kind, dry_run) as pipelined,
    ):

        def count(stored: Stored) -> None:
            row_numbers, rejected, outcome = stored
            report.rows += len(row_numbers)
            report.accepted += outcome.accepted
            report.duplicates += outcome.duplicates
            report.add_errors(
                [
                    RowError(
                        row=row_numbers[r.index],
                        column=column_of(mapping, r.field),
                        reason=r.translated(locale).reason,
                    )
                    for r in sorted(rejected, key=lambda r: r.index)
                ]
            )
            if on_batch is not None:
                on_batch(len(row_numbers))

        row_numbers: list[int] = []
        for row_numbers, items, rejected in checked:
            with _stopping_at(row_numbers):
                if dry_run:
                    unplaced = _place_rejections(
                        store.session, workspace_id=workspace_id, items=items
                    )
                    count((row_numbers, rejected + unplaced, BatchOutcome()))
                elif pipelined is not None:
                    events = [row for _, row in items]
                    for stored in pipelined.store(row_numbers, events, rejected):
                        count(stored)
                else:
                    # Events share the store's first/last-seen windows and resolved identities.
                    extra = {"seen": store.seen, "held": store.held} if kind == "events" else {}
                    outcome = ingest(store.session, workspace_id=workspace_id, items=items, **extra)
                    store.wrote(len(row_numbers))
                    count((row_numbers, rejected + outcome.rejected, outcome))
        if pipelined is not None:
            with _stopping_at(row_numbers):  # the last batch, still in flight
                for stored in pipelined.finish():
                    count(stored)
    return report


@contextmanager
def _stopping_at(row_numbers: list[int]) -> Iterator[None]:
    """A database failure while the batch of `row_numbers` is stored, as `ImportStopped` at
    its first row: an operator's message instead of the driver's traceback."""
    row = row_numbers[0] if row_numbers else 0
    try:
        yield
    except CustomersHeld as error:
        raise ImportStopped(CUSTOMERS_HELD, row=row, reason="customers_held") from error
    except DBAPIError as error:
        detail = str(error.orig).splitlines()[0]
        raise ImportStopped(
            DATABASE_FAILED, row=row, reason="database_failed", detail=detail
        ) from error


@contextmanager
def _pipelined(
    store: _Store, session_factory: sessionmaker[Session], kind: Kind, dry_run: bool
) -> Iterator[PipelinedEvents | None]:
    """The PostgreSQL events import's pipelined store (None for any other import), its
    work not committed rolled back on any way out."""
    if kind != "events" or dry_run or is_sqlite(store.session):
        yield None
        return
    pipelined = PipelinedEvents(
        store.session,
        session_factory,
        workspace_id=store.workspace_id,
        rows_per_transaction=ROWS_PER_TRANSACTION,
    )
    try:
        yield pipelined
    finally:
        pipelined.close()


Checked = tuple[list[int], Items, list[Rejection]]


def _prepared(
    kind: Kind,
    path: Path,
    *,
    mapping: Mapping,
    zone: ZoneInfo,
    size: int,
    locale: str,
    in_process: bool,
    phone_region: str,
    sqlite: bool,
) -> Generator[Checked, None, None]:
    """The file's checked batches, prepared one ahead of the store step: in a reader process
    for a large events CSV when `in_process` (the caller allows it), else on a thread. The
    process pays on both databases: on SQLite the storing is this process's Python and
    SQLite's work, on PostgreSQL this process's Python beside the server's backends, and
    either shared one GIL with a reader thread (bench/README.md, 2026-12-06 22:00 and
    2026-12-07 19:19)."""
    if in_process and _by_column(kind, path, mapping) and worth_a_process(path):
        job = ReaderJob(path, mapping, zone, size, locale, phone_region, for_sqlite=sqlite)
        return checked_in_process(job)
    return one_ahead(
        _checked_batches(kind, path, mapping=mapping, zone=zone, size=size, locale=locale)
    )


def _by_column(kind: Kind, path: Path, mapping: Mapping) -> bool:
    """Whether the file takes the column-wise path of events CSV files."""
    return kind == "events" and is_csv(path) and reads_by_column(mapping)


def _checked_batches(
    kind: Kind, path: Path, *, mapping: Mapping, zone: ZoneInfo, size: int, locale: str
) -> Generator[Checked, None, None]:
    """(row numbers, valid items, rejections) of each batch of the file, before storing."""
    if _by_column(kind, path, mapping):
        yield from checked_event_batches(path, mapping=mapping, zone=zone, size=size, locale=locale)
        return
    validate = KINDS[kind][0]
    build_item = item_builder(mapping, zone)
    for batch in _batches(read_rows(path), size):
        items, rejected = validate([build_item(row) for _, row in batch], locale)
        yield [number for number, _ in batch], items, rejected


def record_import(
    session: Session,
    *,
    workspace_id: int,
    actor: Actor,
    kind: Kind,
    filename: str,
    outcome: ImportReport | ImportStopped,
) -> None:
    """Audit an import: a finished one with its counts (never row contents); one the
    database stopped with the row it stopped at and why, and no counts, since the batches
    counted before the stop were not all committed (a re-run reports what it adds)."""
    if isinstance(outcome, ImportStopped):
        details = {"stopped_at_row": outcome.row, "reason": outcome.reason}
    else:
        details = {
            "rows": outcome.rows,
            "accepted": outcome.accepted,
            "duplicates": outcome.duplicates,
            "errors": outcome.error_count,
        }
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=f"import.{kind}",
        object_type="import",
        object_id=filename[:64],
        details=details,
    )
