"""Finding the customer a response refers to, creating one on first sight.

A lookup-or-create over the customers' identities, normalised by `CustomerRef` exactly as
`nabd.customers.identity` normalises them (so both find the same customer); unlike the
ingestion path it gives a new customer the language of their answer, which later
invitations are sent in. Safe against concurrent creation.
"""

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core.bulk import driver_rows
from nabd.customers import service as customers
from nabd.surveys.schemas import CustomerRef

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
    wanted = {identity for ref in refs if ref for identity in identities_of(ref)}
    known = _known(session, workspace_id=workspace_id, wanted=wanted)
    resolved: list[int | None] = []
    for ref, language in zip(refs, languages, strict=True):
        if ref is None:
            resolved.append(None)
            continue
        identities = identities_of(ref)
        customer_id = next((known[i] for i in identities if i in known), None)
        if customer_id is None:
            customer_id = _create(
                session, workspace_id=workspace_id, identities=identities, language=language
            )
            known.update({identity: customer_id for identity in identities})
        resolved.append(customer_id)
    return resolved


def _create(
    session: Session, *, workspace_id: int, identities: list[Identity], language: str | None
) -> int:
    try:
        with session.begin_nested():
            customer = customers.create_customer(
                session,
                workspace_id=workspace_id,
                display_name=None,
                language=language,
                attributes={},
                identities=identities,
            )
            return customer.id
    except IntegrityError:
        # Someone created this customer a moment ago; use theirs.
        known = _known(session, workspace_id=workspace_id, wanted=set(identities))
        if not known:
            raise
        return next(known[i] for i in identities if i in known)
