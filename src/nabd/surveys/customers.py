"""Finding the customer a response refers to, creating one on first sight.

A lookup-or-create over the customers' identities, normalised by `CustomerRef` exactly as
`nabd.customers.identity` normalises them (so both find the same customer); unlike the
ingestion path it gives a new customer the language of their answer, which later
invitations are sent in. Safe against concurrent creation.
"""

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table, delete
from sqlalchemy.orm import Session

from nabd.core.bulk import driver_rows, insert_columns
from nabd.customers.models import IDENTITY_KINDS, Customer, CustomerIdentity, CustomerSearchTerm
from nabd.customers.search import customer_terms, sort_key_of_name
from nabd.surveys.schemas import CustomerRef

CUSTOMERS = cast(Table, Customer.__table__)
IDENTITIES = cast(Table, CustomerIdentity.__table__)
SEARCH_TERMS = cast(Table, CustomerSearchTerm.__table__)

Identity = tuple[str, str]


def identities_of(ref: CustomerRef) -> list[Identity]:
    """The reference's identities, most specific first."""
    found: list[Identity] = []
    if ref.external_id:
        found.append(("external_id", ref.external_id))
    if ref.email:
        found.append(("email", ref.email))
    if ref.phone:
        found.append(("phone", ref.phone))
    return found


def _known(session: Session, *, workspace_id: int, wanted: set[Identity]) -> dict[Identity, int]:
    """Plain SQL through the driver: every API response pays for this lookup."""
    if not wanted:
        return {}
    pairs = ", ".join(["(?, ?)"] * len(wanted))
    rows = driver_rows(
        session,
        "SELECT kind, value, customer_id FROM customer_identities "  # noqa: S608 - only marks
        # A list of row values, not `IN (VALUES …)`: PostgreSQL plans that as a hash join
        # over every identity of the workspace (about 100 ms a batch at 2,000 customers).
        f"WHERE workspace_id = ? AND (kind, value) IN ({pairs})",
        (workspace_id, *(part for identity in sorted(wanted) for part in identity)),
    )
    return {(kind, value): customer_id for kind, value, customer_id in rows}


def resolve_customers(
    session: Session,
    *,
    workspace_id: int,
    refs: Sequence[CustomerRef | None],
    languages: Sequence[str | None],
) -> list[int | None]:
    """One customer id per reference (None for None), in one lookup for the whole batch."""
    return resolve_identities(
        session,
        workspace_id=workspace_id,
        references=[None if ref is None else identities_of(ref) for ref in refs],
        languages=languages,
    )


def resolve_identities(
    session: Session,
    *,
    workspace_id: int,
    references: Sequence[Sequence[Identity] | None],
    languages: Sequence[str | None],
) -> list[int | None]:
    """`resolve_customers` for references given as their identities. A reference none of
    whose identities is known makes a new customer, with all of them, in the language given
    with it; later references naming any of those identities find that customer. The new
    customers are created together (`_create_all`), not one flush and savepoint each
    (about 1 ms a customer: an import of history is mostly first-seen customers)."""
    wanted = {identity for identities in references if identities for identity in identities}
    known = _known(session, workspace_id=workspace_id, wanted=wanted)
    resolved: list[int | None] = []
    # The customers to create: their identities and language; -(n + 1) marks the n-th.
    new: list[tuple[Sequence[Identity], str | None]] = []
    for identities, language in zip(references, languages, strict=True):
        if identities is None:
            resolved.append(None)
            continue
        customer_id = next((known[i] for i in identities if i in known), None)
        if customer_id is None:
            new.append((identities, language))
            customer_id = -len(new)
            known.update({identity: customer_id for identity in identities})
        resolved.append(customer_id)
    if not new:
        return resolved
    created = _create_all(session, workspace_id=workspace_id, new=new)
    return [created[-c - 1] if c is not None and c < 0 else c for c in resolved]


def _create_all(
    session: Session, *, workspace_id: int, new: Sequence[tuple[Sequence[Identity], str | None]]
) -> list[int]:
    """Create the customers as `customers.create_customer` does (row, identities, search
    terms); the id of each. One whose identity a concurrent transaction stored first is
    removed again and resolves to that transaction's customer, as a failed savepoint did."""
    for identities, _language in new:
        for kind, _value in identities:
            if kind not in IDENTITY_KINDS:
                raise ValueError(f"unknown identity kind {kind!r}")
    count = len(new)
    returned = insert_columns(
        session,
        CUSTOMERS,
        {
            "workspace_id": [workspace_id] * count,
            "display_name": [None] * count,
            "sort_name": [sort_key_of_name(None)] * count,
            "language": [language for _, language in new],
            "attributes": [{} for _ in new],
            "first_seen_at": [None] * count,
            "last_seen_at": [None] * count,
        },
        returning=("id", "language"),
    )
    # The new rows differ only by language: each takes an id returned with its language.
    by_language: dict[str | None, list[int]] = {}
    for customer_id, language in sorted(returned, key=lambda row: row[0], reverse=True):
        by_language.setdefault(language, []).append(customer_id)
    ids = [by_language[language].pop() for _, language in new]
    owners = [
        customer_id
        for customer_id, (identities, _) in zip(ids, new, strict=True)
        for _ in identities
    ]
    pairs = [pair for identities, _ in new for pair in identities]
    stored = insert_columns(
        session,
        IDENTITIES,
        {
            "workspace_id": [workspace_id] * len(pairs),
            "customer_id": owners,
            "kind": [kind for kind, _ in pairs],
            "value": [value for _, value in pairs],
        },
        returning=("kind", "value"),
        skip_conflicts_on=("workspace_id", "kind", "value"),
    )
    kept = {(kind, value) for kind, value in stored}
    lost = {
        index
        for index, (identities, _) in enumerate(new)
        if any(pair not in kept for pair in identities)
    }
    if lost:
        ids = _give_up(session, workspace_id=workspace_id, new=new, ids=ids, lost=lost)
    terms = [
        (customer_id, term)
        for index, (customer_id, (identities, _)) in enumerate(zip(ids, new, strict=True))
        if index not in lost
        for term in customer_terms(None, identities)
    ]
    insert_columns(
        session,
        SEARCH_TERMS,
        {
            "workspace_id": [workspace_id] * len(terms),
            "customer_id": [customer_id for customer_id, _ in terms],
            "term": [term for _, term in terms],
        },
    )
    return ids


def _give_up(
    session: Session,
    *,
    workspace_id: int,
    new: Sequence[tuple[Sequence[Identity], str | None]],
    ids: list[int],
    lost: set[int],
) -> list[int]:
    """Remove the new customers that lost an identity to a concurrent transaction (and the
    identities they did get); each resolves to the customer of its first identity found."""
    removed = [ids[index] for index in sorted(lost)]
    for table in (IDENTITIES, CUSTOMERS):
        column = table.c.customer_id if table is IDENTITIES else table.c.id
        session.execute(
            delete(table).where(table.c.workspace_id == workspace_id, column.in_(removed))
        )
    wanted = {pair for index in lost for pair in new[index][0]}
    known = _known(session, workspace_id=workspace_id, wanted=wanted)
    found = list(ids)
    for index in lost:
        identities = new[index][0]
        holder = next((known[i] for i in identities if i in known), None)
        if holder is None:  # pragma: no cover - the conflict names a stored identity
            raise RuntimeError("an identity conflicted but no customer holds it")
        found[index] = holder
    return found
