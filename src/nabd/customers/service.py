"""Customer profiles and identities, scoped by workspace."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.customers.models import IDENTITY_KINDS, Customer, CustomerIdentity


def count_customers(session: Session, *, workspace_id: int) -> int:
    return (
        session.scalar(select(func.count(Customer.id)).where(Customer.workspace_id == workspace_id))
        or 0
    )


def create_customer(
    session: Session,
    *,
    workspace_id: int,
    display_name: str | None,
    language: str | None,
    attributes: dict[str, Any],
    identities: Sequence[tuple[str, str]],
    first_seen_at: datetime | None = None,
) -> Customer:
    for kind, _value in identities:
        if kind not in IDENTITY_KINDS:
            raise ValueError(f"unknown identity kind {kind!r}")
    customer = Customer(
        workspace_id=workspace_id,
        display_name=display_name,
        language=language,
        attributes=attributes,
        first_seen_at=first_seen_at,
        last_seen_at=first_seen_at,
        identities=[
            CustomerIdentity(workspace_id=workspace_id, kind=kind, value=value)
            for kind, value in identities
        ],
    )
    session.add(customer)
    return customer


def refresh_last_seen(
    session: Session, *, workspace_id: int, last_seen: dict[int, datetime]
) -> None:
    """Move `last_seen_at` forward for customers whose activity was just recorded."""
    customers = session.scalars(
        select(Customer).where(
            Customer.workspace_id == workspace_id, Customer.id.in_(list(last_seen))
        )
    )
    for customer in customers:
        seen = last_seen[customer.id]
        if customer.last_seen_at is None or seen > customer.last_seen_at:
            customer.last_seen_at = seen
