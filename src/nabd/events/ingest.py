"""Idempotent batch ingestion of events and transactions (API, snippet and CSV import).

A batch costs a fixed number of statements whatever its size: one SELECT of the ids already
stored, one lookup of places, a batch identity resolution, one INSERT … ON CONFLICT DO NOTHING
(a concurrent repeat of the same id is ignored by the database itself; an import's batch on
PostgreSQL: a COPY that falls back to it) and one set-based update of the customers'
first/last-seen dates (on PostgreSQL aggregated by the database from the staged events).
Events, the high-volume kind, travel as plain rows through
`nabd.core.plain_rows`; transactions (fewer, with Decimal amounts) through SQLAlchemy Core.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from nabd.core.i18n import N_
from nabd.core.plain_rows import (
    BIGINT,
    FEW_ROWS,
    JSONB,
    TEXT,
    TIMESTAMPTZ,
    copy_new_rows,
    insert_new_rows,
    insert_widening_seen,
    is_sqlite,
    moment_writer,
    moments_writer,
    rollback_to_savepoint,
    select_unique,
    widen_seen_moments,
    widen_seen_window,
)
from nabd.core.types import utcnow
from nabd.customers.identity import record_activity, resolve_customers
from nabd.customers.service import refresh_value_summary
from nabd.events.batch import BatchOutcome, Rejection, duplicates_within
from nabd.events.models import Transaction
from nabd.events.places import PlaceIndex, index_places, index_places_at_savepoint
from nabd.events.rows import EventRow
from nabd.events.schemas import TransactionIn
from nabd.events.writers import hold_event_writers, holding_event_writers

M = TypeVar("M", datetime, str)  # a moment, or its stored text on SQLite

UNKNOWN_TOUCHPOINT = N_("Unknown touchpoint key %(key)s; define the touchpoint in nabd first.")
UNKNOWN_CHANNEL = N_("Unknown channel key %(key)s; define the channel in nabd first.")


def _stored_ids(
    session: Session,
    *,
    workspace_id: int,
    column: InstrumentedAttribute[Any],
    workspace_column: InstrumentedAttribute[int],
    ids: list[str],
) -> set[str]:
    if not ids:
        return set()
    return set(
        session.scalars(select(column).where(workspace_column == workspace_id, column.in_(ids)))
    )


def insert_ignoring_duplicates(
    session: Session, table: Table, rows: list[dict[str, Any]], conflict_columns: list[str]
) -> int:
    """Insert the rows; those whose natural key exists are skipped. Returns rows written."""
    if not rows:
        return 0
    if session.get_bind().dialect.name == "sqlite":
        # sqlite3's executemany loops in C, and its rowcount sums what each row changed.
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=conflict_columns)
        return int(cast(CursorResult[Any], session.execute(statement, rows)).rowcount)
    # psycopg reports no usable rowcount for a batch: SQLAlchemy's "insertmanyvalues" sends
    # multi-row INSERTs from one cached statement, and RETURNING counts what was written.
    returning = (
        postgresql.insert(table)
        .on_conflict_do_nothing(index_elements=conflict_columns)
        .returning(table.c.id)
    )
    return len(session.execute(returning, rows).all())


def _activity(
    customer_ids: list[int], moments: list[M], into: dict[int, tuple[M, M]] | None = None
) -> dict[int, tuple[M, M]]:
    """Each customer's (earliest, latest) moment in the batch, or `into` widened to them."""
    activity: dict[int, tuple[M, M]] = {} if into is None else into
    for customer_id, moment in zip(customer_ids, moments, strict=True):
        window = activity.get(customer_id)
        if window is None:
            activity[customer_id] = (moment, moment)
        elif moment < window[0]:
            activity[customer_id] = (moment, window[1])
        elif moment > window[1]:
            activity[customer_id] = (window[0], moment)
    return activity


class SeenWindows:
    """Customers' first/last-seen windows gathered over several batches and written in one
    UPDATE: an import writes them once per transaction instead of once per batch (a file's
    customers come back in batch after batch)."""

    def __init__(self) -> None:
        self._windows: dict[int, tuple[Any, Any]] = {}

    def add(self, customer_ids: list[int], moments: list[Any]) -> None:
        """Widen the windows to the batch's moments, in one pass (no window per batch)."""
        _activity(customer_ids, moments, into=self._windows)

    def write(self, session: Session, *, workspace_id: int) -> None:
        widen_seen_window(
            session,
            workspace_id=workspace_id,
            windows=[(customer, first, last) for customer, (first, last) in self._windows.items()],
        )
        self._windows.clear()


def _place_ids(
    places: PlaceIndex, touchpoint: str | None, channel: str | None
) -> tuple[int | None, int | None] | Rejection:
    """The ids of a (touchpoint, channel) pair of keys, or why an event with them is refused
    (its `index` is the caller's to fill in)."""
    touchpoint_id = channel_id = None
    if touchpoint is not None:
        found = places.touchpoints.get(touchpoint)
        if found is None:
            return Rejection(-1, "touchpoint", UNKNOWN_TOUCHPOINT, {"key": touchpoint})
        touchpoint_id, channel_id = found.id, found.channel_id
    if channel is not None:
        channel_id = places.channels.get(channel)
        if channel_id is None:
            return Rejection(-1, "channel", UNKNOWN_CHANNEL, {"key": channel})
    return touchpoint_id, channel_id


def _placed(
    session: Session,
    *,
    workspace_id: int,
    events: Sequence[EventRow],
    places: PlaceIndex | None = None,
) -> tuple[Sequence[EventRow], list[int | None], list[int | None], list[Rejection]]:
    """The events whose places are known, with their touchpoint and channel ids, and a
    rejection for each of the others, in batch order. Each distinct pair of keys is looked up
    once: a Python step per event here was a tenth of the import's storing time. `places`
    are the batch's, looked up already (`_ingest_unlooked`)."""
    keys = list(zip(map(_TOUCHPOINT, events), map(_CHANNEL, events), strict=True))
    distinct = set(keys)
    if places is None:
        places = index_places(
            session,
            workspace_id=workspace_id,
            channel_keys={channel for _, channel in distinct},
            touchpoint_keys={touchpoint for touchpoint, _ in distinct},
        )
    found = {key: _place_ids(places, *key) for key in distinct}
    refused = {key for key, ids in found.items() if isinstance(ids, Rejection)}
    rejected: list[Rejection] = []
    if refused:
        rejected = [
            replace(cast(Rejection, found[key]), index=event.item_index)
            for event, key in zip(events, keys, strict=True)
            if key in refused
        ]
        kept = [at for at, key in enumerate(keys) if key not in refused]
        events, keys = [events[at] for at in kept], [keys[at] for at in kept]
    ids = cast(list[tuple[int | None, int | None]], list(map(found.__getitem__, keys)))
    return events, list(map(_FIRST, ids)), list(map(_SECOND, ids)), rejected


# An event row's fields read in C (`map`) rather than by a Python loop per row.
_EVENT_ID = attrgetter("event_id")
_TYPE = attrgetter("type")
_TIMESTAMP = attrgetter("timestamp")
_PROPERTIES = attrgetter("properties")
_IDENTITIES = attrgetter("identities")
_TOUCHPOINT = attrgetter("touchpoint")
_CHANNEL = attrgetter("channel")
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_STORED_MOMENT = attrgetter("stored_moment")
_CLIENT_EVENT_ID = itemgetter(1)  # of a row in EVENT_COLUMNS
_ORDER_ID = itemgetter("order_id")


def _first_of_each_id(events: Sequence[EventRow]) -> tuple[Sequence[EventRow], int]:
    """`duplicates_within` for event rows, with the usual batch (no repeated id) told apart
    by one set of its ids instead of a Python step per row."""
    if len(set(map(_EVENT_ID, events))) == len(events):
        return events, 0
    unique, repeats = duplicates_within([(event.item_index, event) for event in events], "event_id")
    return [event for _, event in unique], repeats


def _stored_moments(session: Session, events: Sequence[EventRow], times: list[datetime]) -> Any:
    """The events' moments as the database stores them: on SQLite, those the rows carry when
    they were computed ahead (`EventRow.stored_moment`, all of a batch's rows or none)."""
    if events[0].stored_moment is not None and is_sqlite(session):
        return list(map(_STORED_MOMENT, events))
    return moments_writer(session)(times)


def _stored_event_ids(session: Session, *, workspace_id: int, ids: list[str]) -> set[str]:
    rows = select_unique(
        session,
        sql="SELECT client_event_id FROM events WHERE workspace_id = %s AND client_event_id {IN}",
        params=(workspace_id,),
        values=ids,
    )
    return {event_id for (event_id,) in rows}


EVENT_COLUMNS = (
    ("workspace_id", BIGINT),
    ("client_event_id", TEXT),
    ("customer_id", BIGINT),
    ("type", TEXT),
    ("touchpoint_id", BIGINT),
    ("channel_id", BIGINT),
    ("occurred_at", TIMESTAMPTZ),
    ("received_at", TIMESTAMPTZ),
    ("properties", JSONB),
)


def ingest_events(
    session: Session,
    *,
    workspace_id: int,
    events: Sequence[EventRow],
    seen: SeenWindows | None = None,
    held: dict[tuple[str, str], int] | None = None,
) -> BatchOutcome:
    """Store valid events; repeats of a stored or earlier `event_id` count as duplicates.

    The rows go to the database as plain values in one statement (`nabd.core.plain_rows`); the
    unique (workspace, event_id) index settles a repeat sent concurrently. `events` are in
    batch order, so the first of a repeated id is the one kept. The customers' first/last-seen
    dates are widened at once, or gathered in `seen` for the caller to write before it commits;
    `held` are identities already resolved in the caller's transaction (`resolve_customers`).

    On PostgreSQL a request's batch (`seen` and `held` None, more than FEW_ROWS events) is
    first stored without looking its ids up (`_ingest_unlooked`: the look-up, with the stage
    and its `ON CONFLICT`, cost the backend about 7 µs an event): a client sends a batch again
    only when it missed the reply, and then the batch is rolled back to before its customers were
    resolved and stored as below. (A CSV import does the same over two connections:
    `nabd.imports.event_writer`.)
    """
    unique, repeats = _first_of_each_id(events)
    if seen is None and held is None and len(unique) > FEW_ROWS and not is_sqlite(session):
        stored_rows = _ingest_unlooked(session, workspace_id=workspace_id, events=unique)
        if stored_rows is not None:
            # The seen dates from the batch's (customer, moment) pairs, aggregated in the UPDATE.
            customer_ids, moments = stored_rows.known_activity()
            widen_seen_moments(
                session, workspace_id=workspace_id, customer_ids=customer_ids, moments=moments
            )
            return BatchOutcome(
                accepted=len(stored_rows.values), duplicates=repeats, rejected=stored_rows.rejected
            )
    outcome = BatchOutcome(duplicates=repeats)
    stored = _stored_event_ids(session, workspace_id=workspace_id, ids=list(map(_EVENT_ID, unique)))
    fresh = [event for event in unique if event.event_id not in stored] if stored else unique
    outcome.duplicates += len(unique) - len(fresh)
    rows = _event_rows(session, workspace_id=workspace_id, events=fresh, held=held)
    outcome.rejected = rows.rejected
    if not rows.values:
        return outcome
    if seen is None and not is_sqlite(session):
        # PostgreSQL widens the customers' windows from the events staged for the INSERT.
        written = insert_widening_seen(
            session,
            table="events",
            columns=EVENT_COLUMNS,
            rows=rows.values,
            conflict_columns=_EVENT_KEY,
            workspace_id=workspace_id,
        )
    else:
        # The ids of `rows` were found unstored just now (`_stored_event_ids`).
        written = insert_new_rows(
            session,
            table="events",
            columns=EVENT_COLUMNS,
            rows=rows.values,
            conflict_columns=_EVENT_KEY,
        )
        # Stored moments order as the times do (ISO text on SQLite), so the window is taken
        # from the values already converted for the rows.
        if seen is not None:
            seen.add(rows.customer_ids, rows.moments)
        else:
            windows = _windows(*rows.known_activity())
            widen_seen_window(session, workspace_id=workspace_id, windows=windows)
    outcome.accepted = written
    outcome.duplicates += len(rows.values) - written
    return outcome


# The savepoint of a batch stored without looking its ids up (`_ingest_unlooked`).
_UNLOOKED = "nabd_unlooked"


def _ingest_unlooked(
    session: Session, *, workspace_id: int, events: Sequence[EventRow]
) -> "EventRows | None":
    """PostgreSQL: the batch stored without looking its ids up, its customers resolved; None,
    with nothing of it written, when one of its ids is stored already.

    The event-writer lock, the savepoint and the batch's places go in one round trip, and the
    events' COPY uses that savepoint rather than one of its own: four round trips a batch
    fewer. The savepoint is not released: the COMMIT ends it, and a RELEASE of its own cost
    the client a round trip, as much as the look-up of places did.
    """
    places = index_places_at_savepoint(
        session,
        workspace_id=workspace_id,
        channel_keys=set(map(_CHANNEL, events)),
        touchpoint_keys=set(map(_TOUCHPOINT, events)),
        before=holding_event_writers(workspace_id),
        savepoint=_UNLOOKED,
    )
    rows = _event_rows(
        session,
        workspace_id=workspace_id,
        events=events,
        held=None,
        hold_writers=False,
        places=places,
    )
    if rows.values and not copy_new_rows(
        session, table="events", columns=EVENT_COLUMNS, rows=rows.values, own_savepoint=False
    ):
        rollback_to_savepoint(session, _UNLOOKED)
        return None
    return rows


@dataclass(frozen=True)
class EventRows:
    """A batch's events as table rows (`EVENT_COLUMNS`), their customers and stored moments
    (pairs in batch order, where the rows may be in event id order), the events refused for
    their places, and the customers the batch created (seen first and last at their
    earliest and latest moment of it: `resolve_customers`)."""

    values: list[tuple[Any, ...]]
    customer_ids: list[int]
    moments: list[Any]
    rejected: list[Rejection]
    created: set[int] = field(default_factory=set)

    def known_activity(self) -> tuple[list[int], list[Any]]:
        """The (customer, moment) pairs whose seen dates may need widening: those of the
        customers the batch did not create. A batch of 500 new customers skips the UPDATE
        (PostgreSQL: 1.3 ms of backend CPU that changed no row, bench/README.md `pgapi2`)."""
        if not self.created:
            return self.customer_ids, self.moments
        created = self.created
        kept = [at for at, customer in enumerate(self.customer_ids) if customer not in created]
        return [self.customer_ids[at] for at in kept], [self.moments[at] for at in kept]


def _event_rows(
    session: Session,
    *,
    workspace_id: int,
    events: Sequence[EventRow],
    held: dict[tuple[str, str], int] | None,
    hold_writers: bool = True,
    places: PlaceIndex | None = None,
) -> EventRows:
    """The rows of the events whose places are known (`places`: looked up already, else
    here), their customers resolved (created).

    Without `hold_writers` the caller holds the event-writer lock in the transaction that
    will store the rows (`new_event_rows`)."""
    placed, touchpoint_ids, channel_ids, rejected = _placed(
        session, workspace_id=workspace_id, events=events, places=places
    )
    if not placed:
        return EventRows([], [], [], rejected)
    times = list(map(_TIMESTAMP, placed))
    if hold_writers:
        # `events` has no foreign keys: no customer resolved here is deleted before the commit.
        hold_event_writers(session, workspace_id=workspace_id)
    created: set[int] = set()
    customer_ids = resolve_customers(
        session,
        workspace_id=workspace_id,
        references=list(map(_IDENTITIES, placed)),
        seen_at=times,
        held=held,
        created=created,
    )
    moments = _stored_moments(session, placed, times)
    count = len(placed)
    values = list(
        zip(
            repeat(workspace_id, count),
            map(_EVENT_ID, placed),
            customer_ids,
            map(_TYPE, placed),
            touchpoint_ids,
            channel_ids,
            moments,
            repeat(moment_writer(session)(utcnow()), count),
            map(_PROPERTIES, placed),
            strict=True,
        )
    )
    if not is_sqlite(session):
        # Stored in event id order: an id that another open transaction inserted makes the
        # insert wait for it, so two batches carrying the same ids in opposite orders would
        # each wait for the other (a deadlock, one aborted). About 0.15 µs an event.
        values.sort(key=_CLIENT_EVENT_ID)
    return EventRows(values, customer_ids, moments, rejected, created)


_EVENT_KEY = ("workspace_id", "client_event_id")


def new_event_rows(
    session: Session,
    *,
    workspace_id: int,
    events: Sequence[EventRow],
    held: dict[tuple[str, str], int],
) -> tuple[EventRows, int]:
    """PostgreSQL import: a batch's rows, its customers resolved in `session`, for another
    connection to COPY (`nabd.imports.event_writer`), and how many of its events repeated
    an earlier id of the batch. Stored ids are not looked up (the import's events have all
    been new so far), and the event-writer lock is not taken here: the storing connection's
    transaction holds it from before this resolution to after the commit of `session`'s."""
    unique, repeats = _first_of_each_id(events)
    rows = _event_rows(
        session, workspace_id=workspace_id, events=unique, held=held, hold_writers=False
    )
    return rows, repeats


def _windows(customer_ids: list[int], moments: list[M]) -> list[tuple[int, M, M]]:
    """(customer, earliest, latest) of each customer in the batch. A batch that names each
    customer once, the usual one, has each event's moment as its window: built in C, with no
    Python step per event."""
    if len(set(customer_ids)) == len(customer_ids):
        return list(zip(customer_ids, moments, moments, strict=True))
    windows = _activity(customer_ids, moments)
    return [(customer, first, last) for customer, (first, last) in windows.items()]


def ingest_transactions(
    session: Session, *, workspace_id: int, items: Sequence[tuple[int, TransactionIn]]
) -> BatchOutcome:
    """Store valid transactions; an `order_id` seen before is a duplicate, never a second sale."""
    outcome = BatchOutcome()
    unique, outcome.duplicates = duplicates_within(items, "order_id")
    stored = _stored_ids(
        session,
        workspace_id=workspace_id,
        column=Transaction.order_id,
        workspace_column=Transaction.workspace_id,
        ids=[item.order_id for _, item in unique],
    )
    fresh = [(index, item) for index, item in unique if item.order_id not in stored]
    outcome.duplicates += len(unique) - len(fresh)
    places = index_places(
        session, workspace_id=workspace_id, channel_keys=(item.channel for _, item in fresh)
    )
    placed: list[tuple[TransactionIn, int | None]] = []
    for index, item in fresh:
        channel_id = places.channels.get(item.channel) if item.channel else None
        if item.channel and channel_id is None:
            outcome.rejected.append(
                Rejection(index, "channel", UNKNOWN_CHANNEL, {"key": item.channel})
            )
        else:
            placed.append((item, channel_id))
    if not placed:
        return outcome
    moments = [item.timestamp for item, _ in placed]
    customer_ids = resolve_customers(
        session,
        workspace_id=workspace_id,
        references=[item.customer.identities() for item, _ in placed],
        seen_at=moments,
    )
    created_at = utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            "order_id": item.order_id,
            "customer_id": customer_id,
            "amount": item.amount,
            "currency": item.currency,
            "occurred_at": item.timestamp,
            "channel_id": channel_id,
            "category": item.category,
            "items": item.items,
            "created_at": created_at,
        }
        for (item, channel_id), customer_id in zip(placed, customer_ids, strict=True)
    ]
    # In order id order, as events are stored in event id order (`_event_rows`).
    rows.sort(key=_ORDER_ID)
    written = insert_ignoring_duplicates(
        session, cast(Table, Transaction.__table__), rows, ["workspace_id", "order_id"]
    )
    outcome.accepted = written
    outcome.duplicates += len(rows) - written
    record_activity(session, workspace_id=workspace_id, activity=_activity(customer_ids, moments))
    refresh_value_summary(session, workspace_id=workspace_id, customer_ids=set(customer_ids))
    return outcome
