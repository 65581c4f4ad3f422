"""Identity resolution: which customer a reference (external id, e-mail, phone, anonymous id)
means, creating the customer on first sight, and linking an anonymous visitor to a known one.

The one resolver of nabd: events, transactions, feedback, imports, survey responses (single
and batched), invitations and respondent links all find their customers here, so the same
reference means the same person whichever way it arrives. Its rules:

- the first known identity of a reference in `references.PRIORITY` order (external id,
  e-mail, phone, anonymous id) decides who the customer is; references pointing to different
  known customers are never merged implicitly (merging stays an explicit, audited act);
- an identity of a reference that nobody holds yet is attached to the reference's customer,
  so `{external_id, email}` teaches nabd that both belong to one person, whether it came
  with an event or a survey answer;
- a reference none of whose identities is known creates a customer with all of them (and
  their search terms), seen first and last at the reference's moment when it has one (an
  event, a purchase, a feedback text; not a profile import, a survey answer or an
  invitation, which are not activity), in the reference's language when it has one (a
  survey answer's or an invitation's, a feedback text's declared one: later invitations are
  sent in it). A language is only ever given to a new customer: a known customer's language
  is their profile's.

Resolution works a whole batch at a time (one lookup, one insert of new customers, one insert
of new identities) so the ingestion paths stay fast; concurrent batches that invent the same
identity are settled by the unique constraint, never by a second customer: the batch that lost
removes the customers it made for it and resolves again, as if the other had come first.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import chain, compress, filterfalse, repeat
from operator import is_not, itemgetter
from typing import Any, cast

from sqlalchemy import ScalarSelect, delete, select, update
from sqlalchemy.orm import Session

from nabd.core.audit import Actor
from nabd.core.bulk import driver_rows
from nabd.core.i18n import N_
from nabd.core.plain_rows import (
    BIGINT,
    FEW_ROWS,
    TEXT,
    TIMESTAMPTZ,
    insert_new_rows,
    is_sqlite,
    moment_writer,
    moments_writer,
    sqlite_insert,
    widen_seen_window,
)
from nabd.core.types import utcnow
from nabd.customers import merging
from nabd.customers.errors import CustomerNotFound
from nabd.customers.models import Customer, CustomerIdentity
from nabd.customers.references import (
    MAX_ANONYMOUS_ID_LENGTH,
    CustomerReference,
    Identities,
    bounded_id,
)
from nabd.customers.search import customer_terms
from nabd.customers.service import refresh_search_text
from nabd.events.writers import exclude_event_writers

_FIRST_PAIR = itemgetter(0)
Pair = tuple[str, str]


def lookup_identities(session: Session, *, workspace_id: int, pairs: set[Pair]) -> dict[Pair, int]:
    """Which customer holds each known pair, in one read whatever the kinds, straight through
    the driver: a single survey response pays for this lookup, and SQLAlchemy's execution
    and result set-up cost several times SQLite's own work for one row.

    Each pair probes the unique (workspace, kind, value) index: on SQLite one `IN` list per
    kind; on PostgreSQL a request's few pairs as a list of row values (one index probe each,
    OR-ed), a batch's `unnest`ed, each a LATERAL probe with LIMIT 1, whatever the table's
    statistics say (`= ANY` let the planner scan the whole workspace's identities of a young
    or growing table instead, `plain_rows.select_unique`; `IN (VALUES …)` hash-joined them).
    """
    if not pairs:
        return {}
    if is_sqlite(session):
        by_kind: dict[str, list[str]] = {}
        for kind, value in pairs:
            by_kind.setdefault(kind, []).append(value)
        kinds = list(by_kind)
        # With several kinds, each row names its kind by its position in `kinds` (a small int
        # that Python shares, where the kind's text would be a new str per row); the usual
        # batch, of one kind, needs no such column at all.
        marks = [f"{position}, " if len(kinds) > 1 else "" for position in range(len(kinds))]
        sql = " UNION ALL ".join(
            f"SELECT {mark}value, customer_id FROM customer_identities "  # noqa: S608
            f"WHERE workspace_id = ? AND kind = ? AND value IN ({', '.join('?' * len(values))})"
            for mark, values in zip(marks, by_kind.values(), strict=True)
        )
        parameters: list[Any] = []
        for kind, values in by_kind.items():
            parameters += (workspace_id, kind, *values)
        rows = driver_rows(session, sql, parameters)
        if len(kinds) == 1:
            return {(kinds[0], value): customer_id for value, customer_id in rows}
        return {(kinds[position], value): customer_id for position, value, customer_id in rows}
    if len(pairs) <= FEW_ROWS:
        # A request's few pairs (one survey response): plain parameters, which the planner
        # reads through the unique index as well, without adapting two arrays (~10 µs).
        listed = ", ".join(["(?, ?)"] * len(pairs))
        sql = (
            "SELECT kind, value, customer_id FROM customer_identities "  # noqa: S608 - marks
            f"WHERE workspace_id = ? AND (kind, value) IN ({listed})"
        )
        rows = driver_rows(session, sql, [workspace_id, *chain.from_iterable(pairs)])
        return {(kind, value): customer_id for kind, value, customer_id in rows}
    # The arrays in binary (`%b`): psycopg's text form of two arrays of 500 strings cost
    # the client 0.85 ms a batch, the binary one 0.3.
    sql = (
        "SELECT x.kind, x.value, x.customer_id "
        "FROM unnest(%b::text[], %b::text[]) AS k(kind, value) CROSS JOIN LATERAL "
        "(SELECT kind, value, customer_id FROM customer_identities WHERE workspace_id = %s "
        "AND kind = k.kind AND value = k.value LIMIT 1) AS x"
    )
    given_kinds, given_values = zip(*pairs, strict=True)
    rows = driver_rows(session, sql, [list(given_kinds), list(given_values), workspace_id])
    return {(kind, value): customer_id for kind, value, customer_id in rows}


IDENTITY_COLUMNS = (
    ("workspace_id", BIGINT),
    ("kind", TEXT),
    ("value", TEXT),
    ("customer_id", BIGINT),
    ("created_at", TIMESTAMPTZ),
)
SEARCH_TERM_COLUMNS = (("workspace_id", BIGINT), ("customer_id", BIGINT), ("term", TEXT))


def _stored_windows(session: Session, first_seen: list[datetime | None]) -> list[Any]:
    """`first_seen` as the database stores moments, a batch at a time (`moments_writer`:
    one `isoformat` per new customer was a tenth of a batch of first-seen customers)."""
    present = [at for at in first_seen if at is not None]
    stored = iter(moments_writer(session)(present))
    if len(present) == len(first_seen):
        return list(stored)
    return [None if at is None else next(stored) for at in first_seen]


def _create_customers(
    session: Session,
    *,
    workspace_id: int,
    first_seen: list[datetime | None],
    last_seen: list[datetime | None] | None,
    languages: list[str | None],
) -> list[int]:
    """Insert bare customers (no name yet), one id per entry of `first_seen`, each seen first
    at its entry and last at its entry of `last_seen` (None: the same moments, the usual
    case, sent once) and speaking its entry of `languages`; the ids in entry order.

    One statement whatever the count on PostgreSQL (customers and their seen rows, the ids
    drawn from the sequence first so each seen row knows its customer), two on SQLite (the
    customers inserted in entry order, so ascending ids follow it).
    """
    created_at = moment_writer(session)(utcnow())
    windows = _stored_windows(session, first_seen)
    latest = None if last_seen is None else _stored_windows(session, last_seen)
    connection = session.connection()
    if is_sqlite(session):
        # Inserted in entry order, in one transaction that holds the write lock: the rows get
        # consecutive ids, each one past the largest in the table (SQLite's rowid for a table
        # without AUTOINCREMENT), so they end at the last one inserted. RETURNING handed the
        # ids back one step of the statement each, and reading the rows from one JSON array
        # (`json_each`, the seen rows' `json_extract`s) cost SQLite more than binding them.
        count = len(languages)
        sqlite_insert(
            connection,
            "INSERT INTO customers (workspace_id, attributes, created_at, language) VALUES",
            list(
                zip(repeat(workspace_id, count), repeat(created_at, count), languages, strict=True)
            ),
            row="(?, '{}', ?, ?)",
        )
        last = connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one()
        ids = list(range(last - count + 1, last + 1))
        last_seen = windows if latest is None else latest
        sqlite_insert(
            connection,
            "INSERT INTO customer_seen (customer_id, workspace_id, first_seen_at, last_seen_at, "
            "last_seen_on) VALUES",
            list(zip(ids, repeat(workspace_id, count), windows, last_seen, last_seen, strict=True)),
            row="(?, ?, ?, ?, substr(?, 1, 10))",
        )
        return ids
    # The arrays in binary (`%b`): psycopg's text form of 500 datetimes cost the client 2 ms.
    # A NULL array of last moments (`latest` None) pads as NULLs: each is seen last at first.
    returned = connection.exec_driver_sql(
        "WITH given AS MATERIALIZED (SELECT nextval('customers_id_seq') AS id, at, "
        "coalesce(latest, at) AS latest, language FROM unnest(%b::timestamptz[], "
        "%b::timestamptz[], %b::text[]) WITH ORDINALITY AS g(at, latest, language, n) "
        "ORDER BY n), "
        "created AS (INSERT INTO customers (id, workspace_id, attributes, created_at, language) "
        "SELECT id, %s, '{}'::jsonb, %s, language FROM given), "
        "seen AS (INSERT INTO customer_seen (customer_id, workspace_id, first_seen_at, "
        "last_seen_at, last_seen_on) SELECT id, %s, at, latest, "
        "(latest AT TIME ZONE 'UTC')::date FROM given) "
        "SELECT id FROM given",
        (windows, latest, languages, workspace_id, created_at, workspace_id),
    ).all()
    return sorted(customer_id for (customer_id,) in returned)


def _index_new_customers(
    session: Session, *, workspace_id: int, identities: dict[int, list[Pair]]
) -> None:
    """Search terms of customers created just now: from their identities alone (no name),
    without loading them back as ORM objects. No term of a new customer can be stored yet,
    so on PostgreSQL they are COPYed straight into the table (`insert_new_rows`)."""
    insert_new_rows(
        session,
        table="customer_search_terms",
        columns=SEARCH_TERM_COLUMNS,
        rows=[
            (workspace_id, customer_id, term)
            for customer_id, pairs in identities.items()
            for term in customer_terms(None, pairs)
        ],
        conflict_columns=("customer_id", "term"),
    )


def resolve_customers(
    session: Session,
    *,
    workspace_id: int,
    references: Sequence[Identities],
    seen_at: Sequence[datetime | None] | None = None,
    languages: Sequence[str | None] | None = None,
    held: dict[Pair, int] | None = None,
    created: set[int] | None = None,
) -> list[int]:
    """The customer id of each reference (its identities, `PRIORITY` first), creating the
    customers and attaching the identities never seen before (the module's rules).

    `seen_at` is each reference's moment of activity (None: not activity), `languages` the
    language each speaks, for a customer it creates; a created customer is seen first and
    last at the earliest and latest of its references' moments. `held` remembers pairs
    already resolved in the caller's transaction (an import's batches share one): only pairs
    it lacks are looked up, and it learns the batch's pairs. `created` learns the ids of the
    customers created, whose seen dates need no widening to the batch's moments.

    A run that a concurrent transaction beat to some new pair is undone (`_undo_lost`) and
    the batch resolved again; each run finds known the pairs the last one lost.
    """
    while True:
        resolved = _resolve_once(
            session,
            workspace_id=workspace_id,
            references=references,
            seen_at=seen_at,
            languages=languages,
            held=held,
            created=created,
        )
        if resolved is not None:
            return resolved


def _resolve_once(
    session: Session,
    *,
    workspace_id: int,
    references: Sequence[Identities],
    seen_at: Sequence[datetime | None] | None,
    languages: Sequence[str | None] | None,
    held: dict[Pair, int] | None,
    created: set[int] | None,
) -> list[int] | None:
    """`resolve_customers`' one run; None when a concurrent transaction stored some of its new
    pairs first (what the run stored is then undone, `_undo_lost`)."""
    if held is None:
        pairs = set(chain.from_iterable(references))
        known = lookup_identities(session, workspace_id=workspace_id, pairs=pairs)
        all_known = pairs.issubset(known)
    else:
        # The pairs `held` lacks, in one C pass over the batch (a set of every pair, then its
        # difference and a subset test, hashed each pair three times: ~6 % of an import's
        # storing time under the profiler).
        missing = set(filterfalse(held.__contains__, chain.from_iterable(references)))
        if missing:
            held.update(lookup_identities(session, workspace_id=workspace_id, pairs=missing))
        all_known = missing.issubset(held)
        # Held as is, not copied: only the batch's own pairs are ever looked up in it.
        known = held
    if all_known and set(map(len, references)) == {1}:
        # The steady state of event ingestion: one identity per item, all known already
        # (in C: the Python steps per item cost an import about a third of a microsecond a row
        # under the profiler).
        return list(map(known.__getitem__, map(_FIRST_PAIR, references)))
    count = len(references)
    new_first_seen: list[datetime | None] = []
    new_last_seen: list[datetime | None] = []
    new_languages: list[str | None] = []
    # Unknown pair → the customer it will belong to: an id, or -(n + 1) for the n-th new one.
    attach: dict[Pair, int] = {}
    for reference, at, language in zip(
        references, seen_at or [None] * count, languages or [None] * count, strict=True
    ):
        if len(reference) == 1:  # the usual reference: one identity, no generators
            owner = known.get(reference[0])
            if owner is None:
                owner = attach.get(reference[0])
        else:
            owner = next((known[pair] for pair in reference if pair in known), None)
            if owner is None:
                owner = next((attach[pair] for pair in reference if pair in attach), None)
        if owner is None:
            new_first_seen.append(at)
            new_last_seen.append(at)
            new_languages.append(language)
            owner = -len(new_first_seen)
        elif owner < 0:
            # A later reference to a customer this batch creates: the earliest and the latest
            # moment, the first language given.
            earlier, later = new_first_seen[-owner - 1], new_last_seen[-owner - 1]
            if at is not None and (earlier is None or at < earlier):
                new_first_seen[-owner - 1] = at
            if at is not None and (later is None or at > later):
                new_last_seen[-owner - 1] = at
            if new_languages[-owner - 1] is None:
                new_languages[-owner - 1] = language
        for pair in reference:
            if pair not in known and pair not in attach:
                attach[pair] = owner
    if not attach:
        return [next(known[pair] for pair in reference) for reference in references]

    new_ids = (
        _create_customers(
            session,
            workspace_id=workspace_id,
            first_seen=new_first_seen,
            last_seen=None if new_last_seen == new_first_seen else new_last_seen,
            languages=new_languages,
        )
        if new_first_seen
        else []
    )
    attached = {pair: new_ids[-owner - 1] if owner < 0 else owner for pair, owner in attach.items()}
    created_at = moment_writer(session)(utcnow())
    # The pairs were found unstored just now: on PostgreSQL COPYed straight into the table
    # (`insert_new_rows`); one a concurrent transaction stored meanwhile fails the COPY, and
    # the rows go through `INSERT … ON CONFLICT DO NOTHING`, which counts what it wrote.
    # In pair order: a pair that another open transaction inserted makes the insert wait for
    # it, so two batches inserting the same new pairs in opposite orders would each wait for
    # the other (PostgreSQL aborts one: a deadlock). In one order, one waits, the other goes on.
    written = insert_new_rows(
        session,
        table="customer_identities",
        columns=IDENTITY_COLUMNS,
        rows=[
            (workspace_id, kind, value, customer_id, created_at)
            for (kind, value), customer_id in sorted(attached.items())
        ],
        conflict_columns=("workspace_id", "kind", "value"),
    )
    if written < len(attached):
        # A concurrent transaction stored some of these pairs first.
        _undo_lost(
            session, workspace_id=workspace_id, held=held, attached=attached, new_ids=new_ids
        )
        return None
    _index_new_customers(
        session, workspace_id=workspace_id, identities=_identities_of(attached, set(new_ids))
    )
    # Known customers that gained an identity: their terms are rebuilt from what they hold,
    # and each is kept from a concurrent deletion until this transaction ends (no key).
    grown = set(attached.values()).difference(new_ids)
    _refresh_still_there(session, workspace_id=workspace_id, customer_ids=grown)
    if held is not None:
        held.update(attached)
    if created is not None:
        created.update(new_ids)
    return [
        known[reference[0]] if reference[0] in known else attached[reference[0]]
        for reference in references
    ]


def _refresh_still_there(session: Session, *, workspace_id: int, customer_ids: set[int]) -> None:
    """`refresh_search_text` for customers this transaction did not create, after writing
    identities for them: fails the transaction, as their foreign key did, when one was
    deleted meanwhile (not found); a customer found stays until the transaction ends."""
    found = refresh_search_text(session, workspace_id=workspace_id, customer_ids=customer_ids)
    if not customer_ids.issubset(found):
        raise CustomerNotFound(N_("Customer not found."))


def _identities_of(attached: dict[Pair, int], customer_ids: set[int]) -> dict[int, list[Pair]]:
    """The pairs of `attached` that belong to each of `customer_ids`."""
    identities: dict[int, list[Pair]] = {}
    for pair, customer_id in attached.items():
        if customer_id in customer_ids:
            identities.setdefault(customer_id, []).append(pair)
    return identities


def _undo_lost(
    session: Session,
    *,
    workspace_id: int,
    held: dict[Pair, int] | None,
    attached: dict[Pair, int],
    new_ids: list[int],
) -> None:
    """After a run a concurrent transaction beat to some of its new pairs: so that running the
    batch again answers what it would have had that transaction committed before the lookup.

    The new customers that lost an identity are removed again, with the identities they did
    get; what the run did store is kept (and indexed). The next run finds the other
    transaction's customers and attaches to them what the removed ones held.
    """
    stored = lookup_identities(session, workspace_id=workspace_id, pairs=set(attached))
    if len(stored) < len(attached):
        # Every pair it tried to store is now held, by it or by the winner (whose row the
        # conflict waited for: committed, so read by this statement at READ COMMITTED). That
        # is what bounds the runs again: each finds known the pairs the last one lost.
        raise RuntimeError("an identity that conflicted is not visible to this transaction")
    created = set(new_ids)
    lost = {
        customer_id for pair, customer_id in attached.items() if stored.get(pair) != customer_id
    }
    removed = lost & created
    if removed:
        # The identities and search terms go with them (ON DELETE CASCADE).
        session.execute(
            delete(Customer).where(Customer.workspace_id == workspace_id, Customer.id.in_(removed))
        )
    kept = {
        pair: customer_id
        for pair, customer_id in attached.items()
        if customer_id not in removed and stored.get(pair) == customer_id
    }
    _index_new_customers(
        session, workspace_id=workspace_id, identities=_identities_of(kept, created - removed)
    )
    grown = set(kept.values()) - created
    _refresh_still_there(session, workspace_id=workspace_id, customer_ids=grown)
    if held is not None:
        for pair in attached:
            held.pop(pair, None)


def resolve_optional_customers(
    session: Session,
    *,
    workspace_id: int,
    references: Sequence[Identities | None],
    seen_at: Sequence[datetime | None] | None = None,
    languages: Sequence[str | None] | None = None,
) -> list[int | None]:
    """`resolve_customers` for items that may name no customer (an anonymous survey answer,
    a review): None for a None reference, and no query when none names one."""
    named = list(map(is_not, references, repeat(None)))
    if all(named):
        return list(
            resolve_customers(
                session,
                workspace_id=workspace_id,
                references=cast(Sequence[Identities], references),
                seen_at=seen_at,
                languages=languages,
            )
        )
    if not any(named):
        return [None] * len(references)
    resolved = iter(
        resolve_customers(
            session,
            workspace_id=workspace_id,
            references=list(compress(cast(Sequence[Identities], references), named)),
            seen_at=None if seen_at is None else list(compress(seen_at, named)),
            languages=None if languages is None else list(compress(languages, named)),
        )
    )
    return [next(resolved) if given else None for given in named]


def resolve_customer(
    session: Session,
    *,
    workspace_id: int,
    identities: Identities,
    seen_at: datetime | None = None,
    language: str | None = None,
) -> int:
    """`resolve_customers` for one reference."""
    return resolve_customers(
        session,
        workspace_id=workspace_id,
        references=[identities],
        seen_at=[seen_at],
        languages=[language],
    )[0]


def record_activity(
    session: Session, *, workspace_id: int, activity: dict[int, tuple[datetime, datetime]]
) -> None:
    """Widen each customer's first/last-seen window to include (earliest, latest) activity.

    One set-based UPDATE per batch instead of loading every customer.
    """
    stored = moment_writer(session)
    widen_seen_window(
        session,
        workspace_id=workspace_id,
        windows=[
            (customer_id, stored(start), stored(end))
            for customer_id, (start, end) in activity.items()
        ],
    )


@dataclass(frozen=True)
class IdentifyResult:
    customer_id: int
    merge_id: int | None


def _only_anonymous(
    session: Session, *, workspace_id: int, customer: int | ScalarSelect[int]
) -> bool:
    """Whether the customer's identities are all anonymous ids: a visitor's own profile,
    which `identify` merges into the known customer."""
    kinds = session.scalars(
        select(CustomerIdentity.kind)
        .where(
            CustomerIdentity.workspace_id == workspace_id, CustomerIdentity.customer_id == customer
        )
        .distinct()
    )
    return set(kinds) == {"anonymous_id"}


class _MergeUnlocked(Exception):
    """`_link` must merge, and its transaction took no event-writer lock before writing."""


def identify(
    session: Session,
    *,
    workspace_id: int,
    anonymous_id: str,
    customer: CustomerReference,
    at: datetime,
    actor: Actor,
) -> IdentifyResult:
    """Link an anonymous visitor to a known customer.

    When the visitor's own profile holds nothing but anonymous ids, it is merged into the
    known customer (recorded, so it can be undone), which re-attributes its earlier events,
    transactions and feedback. When it already belongs to another known person (a shared
    device), only the anonymous id moves: history that may be someone else's stays put.

    The merge's event-writer lock is taken before the first write when the visitor's profile
    may be merged: taken after, this transaction could hold a new identity that a batch
    holding the lock shared waits for, while it waits for that batch (a deadlock). A profile
    that becomes mergeable only meanwhile (a concurrent batch committed it) is found after
    the writes: on PostgreSQL they are rolled back to a savepoint, releasing what a batch
    may wait for, and the link runs again under the lock. SQLite has one writer at a time.
    """
    anonymous_id = bounded_id(anonymous_id, MAX_ANONYMOUS_ID_LENGTH)
    holder = (
        select(CustomerIdentity.customer_id)
        .where(
            CustomerIdentity.workspace_id == workspace_id,
            CustomerIdentity.kind == "anonymous_id",
            CustomerIdentity.value == anonymous_id,
        )
        .scalar_subquery()
    )
    link = partial(
        _link,
        session,
        workspace_id=workspace_id,
        anonymous_id=anonymous_id,
        customer=customer,
        at=at,
        actor=actor,
    )
    if _only_anonymous(session, workspace_id=workspace_id, customer=holder):
        exclude_event_writers(session, workspace_id=workspace_id)
        return link(may_merge=True)
    if is_sqlite(session):
        # No batch runs beside this transaction: the merge takes the lock itself.
        return link(may_merge=True)
    savepoint = session.begin_nested()
    try:
        linked = link(may_merge=False)
    except _MergeUnlocked:
        savepoint.rollback()
        exclude_event_writers(session, workspace_id=workspace_id)
        return link(may_merge=True)
    savepoint.commit()
    return linked


def _link(
    session: Session,
    *,
    workspace_id: int,
    anonymous_id: str,
    customer: CustomerReference,
    at: datetime,
    actor: Actor,
    may_merge: bool,
) -> IdentifyResult:
    """`identify` once the lock is decided; raises `_MergeUnlocked` when it must merge and
    may not (on PostgreSQL, the caller took no event-writer lock before the writes)."""
    known_id = resolve_customer(
        session, workspace_id=workspace_id, identities=customer.identities(), seen_at=at
    )
    pair = ("anonymous_id", anonymous_id)
    holder_id = lookup_identities(session, workspace_id=workspace_id, pairs={pair}).get(pair)
    if holder_id is None:
        resolve_customers(
            session,
            workspace_id=workspace_id,
            references=[(customer.identities()[0], pair)],
            seen_at=[at],
        )
        # A concurrent batch may have stored the visitor's id first (its own new profile):
        # then that profile is the holder, merged or left as below.
        holder_id = lookup_identities(session, workspace_id=workspace_id, pairs={pair})[pair]
    if holder_id == known_id:
        return IdentifyResult(customer_id=known_id, merge_id=None)
    if _only_anonymous(session, workspace_id=workspace_id, customer=holder_id):
        if not may_merge:
            raise _MergeUnlocked
        record = merging.merge_customers(
            session,
            workspace_id=workspace_id,
            target_id=known_id,
            source_id=holder_id,
            actor=actor,
            reason="identify",
        )
        return IdentifyResult(customer_id=known_id, merge_id=record.id)
    session.execute(
        update(CustomerIdentity)
        .where(
            CustomerIdentity.workspace_id == workspace_id,
            CustomerIdentity.kind == "anonymous_id",
            CustomerIdentity.value == anonymous_id,
        )
        .values(customer_id=known_id)
    )
    moved = {holder_id, known_id}
    _refresh_still_there(session, workspace_id=workspace_id, customer_ids=moved)
    return IdentifyResult(customer_id=known_id, merge_id=None)
