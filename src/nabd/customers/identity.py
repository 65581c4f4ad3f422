"""Identity resolution: which customer a reference (external id, e-mail, phone, anonymous id)
means, creating the customer on first sight, and linking an anonymous visitor to a known one.

Resolution works a whole batch at a time (one lookup, one insert of new customers, one insert
of new identities) so the ingestion API stays fast; concurrent batches that invent the same
identity are settled by the unique constraint, never by a second customer.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, filterfalse
from operator import itemgetter
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from nabd.core.audit import Actor
from nabd.core.plain_rows import (
    BIGINT,
    TEXT,
    TIMESTAMPTZ,
    insert_ignoring_conflicts,
    is_sqlite,
    moment_writer,
    moments_writer,
    select_unique,
    widen_seen_window,
)
from nabd.core.types import utcnow
from nabd.customers import merging
from nabd.customers.models import Customer, CustomerIdentity
from nabd.customers.references import (
    MAX_ANONYMOUS_ID_LENGTH,
    CustomerReference,
    Identities,
    bounded_id,
)
from nabd.customers.search import customer_terms
from nabd.customers.service import refresh_search_text

_FIRST_PAIR = itemgetter(0)


def lookup_identities(
    session: Session, *, workspace_id: int, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Which customer holds each known pair: one indexed query per kind of identity."""
    by_kind: dict[str, list[str]] = {}
    for kind, value in pairs:
        by_kind.setdefault(kind, []).append(value)
    found: dict[tuple[str, str], int] = {}
    for kind, values in by_kind.items():
        rows = select_unique(
            session,
            sql="SELECT value, customer_id FROM customer_identities "
            "WHERE workspace_id = %s AND kind = %s AND value {IN}",
            params=(workspace_id, kind),
            values=values,
        )
        found.update({(kind, value): customer_id for value, customer_id in rows})
    return found


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
    session: Session, *, workspace_id: int, first_seen: list[datetime | None]
) -> list[int]:
    """Insert bare customers (ingestion knows no name yet), one id per entry of `first_seen`,
    each seen first and last at its entry.

    One statement whatever the count, the windows written with the rows (a separate UPDATE
    by id rewrote every new row and its last-seen index entry a second time). The database
    hands the ids back in no promised order; customers created with the same window are
    alike, so each entry takes any id returned with its window.
    """
    created_at = moment_writer(session)(utcnow())
    windows = _stored_windows(session, first_seen)
    connection = session.connection()
    if is_sqlite(session):
        returned = connection.exec_driver_sql(
            "INSERT INTO customers (workspace_id, attributes, created_at, first_seen_at, "
            "last_seen_at) SELECT ?, '{}', ?, value, value FROM json_each(?) "
            "RETURNING id, first_seen_at",
            (workspace_id, created_at, json.dumps(windows)),
        ).all()
    else:
        returned = connection.exec_driver_sql(
            "INSERT INTO customers (workspace_id, attributes, created_at, first_seen_at, "
            "last_seen_at) SELECT %s, '{}'::jsonb, %s, at, at "
            "FROM unnest(%s::timestamptz[]) AS at RETURNING id, first_seen_at",
            (workspace_id, created_at, windows),
        ).all()
    ids_by_window: dict[Any, list[int]] = {}
    for customer_id, window in returned:
        ids_by_window.setdefault(window, []).append(customer_id)
    return [ids_by_window[window].pop() for window in windows]


def _index_new_customers(
    session: Session, *, workspace_id: int, identities: dict[int, list[tuple[str, str]]]
) -> None:
    """Search terms of customers created just now: from their identities alone (no name),
    without loading them back as ORM objects."""
    insert_ignoring_conflicts(
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
    seen_at: Sequence[datetime | None],
    held: dict[tuple[str, str], int] | None = None,
) -> list[int]:
    """The customer id of each reference, creating customers and identities never seen before.

    An identity of a reference that nobody holds yet is attached to the reference's customer,
    so `{email, external_id}` teaches nabd that both belong to one person. Two references that
    point to different known customers are never merged implicitly: the most decisive known
    identity wins (`references.PRIORITY`) and merging stays an explicit, audited act.

    `held` remembers pairs already resolved in the caller's transaction (an import's batches
    share one): only pairs it lacks are looked up, and it learns the batch's pairs.
    """
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
    new_first_seen: list[datetime | None] = []
    # Unknown pair → the customer it will belong to: an id, or -(n + 1) for the n-th new one.
    attach: dict[tuple[str, str], int] = {}
    for reference, at in zip(references, seen_at, strict=True):
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
            owner = -len(new_first_seen)
        elif owner < 0:
            earlier = new_first_seen[-owner - 1]
            if at is not None and (earlier is None or at < earlier):
                new_first_seen[-owner - 1] = at
        for pair in reference:
            if pair not in known and pair not in attach:
                attach[pair] = owner
    if not attach:
        return [next(known[pair] for pair in reference) for reference in references]

    new_ids = (
        _create_customers(session, workspace_id=workspace_id, first_seen=new_first_seen)
        if new_first_seen
        else []
    )
    created_at = moment_writer(session)(utcnow())
    insert_ignoring_conflicts(
        session,
        table="customer_identities",
        columns=IDENTITY_COLUMNS,
        rows=[
            (workspace_id, kind, value, new_ids[-owner - 1] if owner < 0 else owner, created_at)
            for (kind, value), owner in attach.items()
        ],
        conflict_columns=("workspace_id", "kind", "value"),
    )
    # Read back what the database holds: a concurrent batch may have claimed a pair first.
    settled = {**known, **lookup_identities(session, workspace_id=workspace_id, pairs=set(attach))}
    if held is not None:
        held.update(settled)
    orphans = set(new_ids) - set(settled.values())
    if orphans:
        session.execute(
            delete(Customer).where(Customer.workspace_id == workspace_id, Customer.id.in_(orphans))
        )
    created = set(new_ids) - orphans
    new_identities: dict[int, list[tuple[str, str]]] = {}
    for pair in attach:
        if settled[pair] in created:
            new_identities.setdefault(settled[pair], []).append(pair)
    _index_new_customers(session, workspace_id=workspace_id, identities=new_identities)
    # Known customers that gained an identity: their terms are rebuilt from what they hold.
    grown = {settled[pair] for pair in attach} - created
    refresh_search_text(session, workspace_id=workspace_id, customer_ids=grown)
    return [settled[reference[0]] for reference in references]


def resolve_customer(
    session: Session, *, workspace_id: int, reference: CustomerReference, seen_at: datetime
) -> int:
    return resolve_customers(
        session,
        workspace_id=workspace_id,
        references=[reference.identities()],
        seen_at=[seen_at],
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
    """
    anonymous_id = bounded_id(anonymous_id, MAX_ANONYMOUS_ID_LENGTH)
    known_id = resolve_customer(session, workspace_id=workspace_id, reference=customer, seen_at=at)
    holder_id = lookup_identities(
        session, workspace_id=workspace_id, pairs={("anonymous_id", anonymous_id)}
    ).get(("anonymous_id", anonymous_id))
    if holder_id is None:
        resolve_customers(
            session,
            workspace_id=workspace_id,
            references=[(customer.identities()[0], ("anonymous_id", anonymous_id))],
            seen_at=[at],
        )
        return IdentifyResult(customer_id=known_id, merge_id=None)
    if holder_id == known_id:
        return IdentifyResult(customer_id=known_id, merge_id=None)
    holder_kinds = set(
        session.scalars(
            select(CustomerIdentity.kind).where(
                CustomerIdentity.workspace_id == workspace_id,
                CustomerIdentity.customer_id == holder_id,
            )
        )
    )
    if holder_kinds == {"anonymous_id"}:
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
    refresh_search_text(session, workspace_id=workspace_id, customer_ids={holder_id, known_id})
    return IdentifyResult(customer_id=known_id, merge_id=None)
