"""Identity resolution: which customer a reference (external id, e-mail, phone, anonymous id)
means, creating the customer on first sight, and linking an anonymous visitor to a known one.

Resolution works a whole batch at a time (one lookup, one insert of new customers, one insert
of new identities) so the ingestion API stays fast; concurrent batches that invent the same
identity are settled by the unique constraint, never by a second customer.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import phonenumbers
from pydantic import BaseModel, ConfigDict, field_validator, model_validator
from sqlalchemy import Table, and_, bindparam, case, delete, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from nabd.core.audit import Actor
from nabd.core.i18n import N_
from nabd.core.types import UTCDateTime
from nabd.customers import merging
from nabd.customers.models import Customer, CustomerIdentity
from nabd.customers.service import refresh_search_text

# The first identity of a reference that is already known decides who the customer is.
PRIORITY = ("external_id", "email", "phone", "anonymous_id")
# There is no per-workspace region setting yet; national numbers are read as Saudi numbers.
DEFAULT_PHONE_REGION = "SA"
MAX_EXTERNAL_ID_LENGTH = 200
MAX_ANONYMOUS_ID_LENGTH = 100
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Identities = tuple[tuple[str, str], ...]


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 320 or not EMAIL_PATTERN.match(email):
        raise ValueError(N_("Not a valid e-mail address."))
    return email


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164 (`+966501234567`); national numbers are read in `region`."""
    try:
        number = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(N_("Not a valid phone number; use the international format.")) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(N_("Not a valid phone number; use the international format."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Validators raise catalogue ids that are translated later, so each limit has its own message.
_LENGTH_MESSAGES = {
    MAX_EXTERNAL_ID_LENGTH: N_("Must be 1 to 200 characters."),
    MAX_ANONYMOUS_ID_LENGTH: N_("Must be 1 to 100 characters."),
}


def _bounded_id(value: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise ValueError(_LENGTH_MESSAGES[limit])
    return cleaned


class CustomerReference(BaseModel):
    """Who an item is about: any of the customer's identities, normalised on the way in."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    anonymous_id: str | None = None

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str | None) -> str | None:
        return None if value is None else _bounded_id(value, MAX_EXTERNAL_ID_LENGTH)

    @field_validator("anonymous_id")
    @classmethod
    def _anonymous_id(cls, value: str | None) -> str | None:
        return None if value is None else _bounded_id(value, MAX_ANONYMOUS_ID_LENGTH)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        return None if value is None else normalise_email(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return None if value is None else normalise_phone(value)

    @model_validator(mode="after")
    def _at_least_one(self) -> "CustomerReference":
        if not self.identities():
            raise ValueError(N_("Give at least one of external_id, email, phone or anonymous_id."))
        return self

    def identities(self) -> Identities:
        """(kind, value) pairs, most decisive first."""
        return tuple(
            (kind, value) for kind in PRIORITY if (value := getattr(self, kind)) is not None
        )


def lookup_identities(
    session: Session, *, workspace_id: int, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    if not pairs:
        return {}
    by_kind: dict[str, list[str]] = {}
    for kind, value in pairs:
        by_kind.setdefault(kind, []).append(value)
    rows = session.execute(
        select(CustomerIdentity.kind, CustomerIdentity.value, CustomerIdentity.customer_id).where(
            CustomerIdentity.workspace_id == workspace_id,
            or_(
                *(
                    and_(CustomerIdentity.kind == kind, CustomerIdentity.value.in_(values))
                    for kind, values in by_kind.items()
                )
            ),
        )
    )
    return {(kind, value): customer_id for kind, value, customer_id in rows}


def _insert_identities_ignoring_conflicts(session: Session, rows: list[dict[str, object]]) -> None:
    dialect = session.get_bind().dialect.name
    table = cast(Table, CustomerIdentity.__table__)
    statement = (
        postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    ).on_conflict_do_nothing(index_elements=["workspace_id", "kind", "value"])
    session.execute(statement, rows)


def resolve_customers(
    session: Session,
    *,
    workspace_id: int,
    references: Sequence[Identities],
    seen_at: Sequence[datetime | None],
) -> list[int]:
    """The customer id of each reference, creating customers and identities never seen before.

    An identity of a reference that nobody holds yet is attached to the reference's customer,
    so `{email, external_id}` teaches nabd that both belong to one person. Two references that
    point to different known customers are never merged implicitly: the most decisive known
    identity wins (see PRIORITY) and merging stays an explicit, audited act.
    """
    pairs = {pair for reference in references for pair in reference}
    known = lookup_identities(session, workspace_id=workspace_id, pairs=pairs)
    new_first_seen: list[datetime | None] = []
    # Unknown pair → the customer it will belong to: an id, or -(n + 1) for the n-th new one.
    attach: dict[tuple[str, str], int] = {}
    for reference, at in zip(references, seen_at, strict=True):
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

    new_ids: list[int] = []
    if new_first_seen:
        new_ids = list(
            session.scalars(
                insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
                [
                    {
                        "workspace_id": workspace_id,
                        "attributes": {},
                        "sort_name": "",
                        "first_seen_at": at,
                        "last_seen_at": at,
                    }
                    for at in new_first_seen
                ],
            )
        )
    _insert_identities_ignoring_conflicts(
        session,
        [
            {
                "workspace_id": workspace_id,
                "kind": kind,
                "value": value,
                "customer_id": new_ids[-owner - 1] if owner < 0 else owner,
            }
            for (kind, value), owner in attach.items()
        ],
    )
    # Read back what the database holds: a concurrent batch may have claimed a pair first.
    settled = {**known, **lookup_identities(session, workspace_id=workspace_id, pairs=set(attach))}
    orphans = set(new_ids) - set(settled.values())
    if orphans:
        session.execute(
            delete(Customer).where(Customer.workspace_id == workspace_id, Customer.id.in_(orphans))
        )
    changed = {settled[pair] for pair in attach}
    refresh_search_text(session, workspace_id=workspace_id, customer_ids=changed)
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

    One executemany UPDATE per batch instead of loading every customer.
    """
    if not activity:
        return
    table = cast(Table, Customer.__table__)
    moments = UTCDateTime()
    earliest = bindparam("earliest", type_=moments)
    latest = bindparam("latest", type_=moments)
    first, last = table.c.first_seen_at, table.c.last_seen_at
    session.execute(
        update(table)
        .where(table.c.id == bindparam("customer"), table.c.workspace_id == workspace_id)
        .values(
            first_seen_at=case((or_(first.is_(None), first > earliest), earliest), else_=first),
            last_seen_at=case((or_(last.is_(None), last < latest), latest), else_=last),
        ),
        [
            {"customer": customer_id, "earliest": start, "latest": end}
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
    anonymous_id = _bounded_id(anonymous_id, MAX_ANONYMOUS_ID_LENGTH)
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
