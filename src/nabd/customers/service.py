"""Customer profiles, identities, search terms, value summaries and contact preferences.

Every function is scoped by workspace; none commits.
"""

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.customers.errors import CustomerNotFound
from nabd.customers.models import (
    CONTACT_CHANNELS,
    IDENTITY_KINDS,
    ContactPreference,
    Customer,
    CustomerIdentity,
    CustomerSearchTerm,
    CustomerSeen,
)
from nabd.customers.search import customer_terms, sort_key_of_name
from nabd.events.models import Transaction

# The identity a channel needs before anyone may be contacted on it.
IDENTITY_FOR_CHANNEL = {"email": "email", "sms": "phone", "whatsapp": "phone"}


def count_customers(session: Session, *, workspace_id: int) -> int:
    return (
        session.scalar(select(func.count(Customer.id)).where(Customer.workspace_id == workspace_id))
        or 0
    )


def get_customer(session: Session, *, workspace_id: int, customer_id: int) -> Customer:
    customer = session.scalar(
        select(Customer).where(Customer.workspace_id == workspace_id, Customer.id == customer_id)
    )
    if customer is None:
        raise CustomerNotFound(N_("Customer not found."))
    return customer


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
    """Add a customer with its identities, already findable by search."""
    for kind, _value in identities:
        if kind not in IDENTITY_KINDS:
            raise ValueError(f"unknown identity kind {kind!r}")
    customer = Customer(
        workspace_id=workspace_id,
        display_name=display_name,
        sort_name=sort_key_of_name(display_name),
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
    session.flush()
    _insert_terms(session, workspace_id=workspace_id, customers=[customer])
    return customer


def _insert_terms(session: Session, *, workspace_id: int, customers: Iterable[Customer]) -> None:
    rows = [
        {"workspace_id": workspace_id, "customer_id": customer.id, "term": term}
        for customer in customers
        for term in customer_terms(
            customer.display_name, [(i.kind, i.value) for i in customer.identities]
        )
    ]
    if rows:
        session.execute(insert(CustomerSearchTerm), rows)


def refresh_search_text(
    session: Session, *, workspace_id: int, customer_ids: Collection[int]
) -> set[int]:
    """Rebuild the search terms and sort name of customers whose name or identities changed;
    the ids of those found (a customer deleted meanwhile has no terms to rebuild).

    Ingestion calls this after merging identities or renaming; it is cheap per customer.

    The customers found are locked as a foreign key to them would lock them (PostgreSQL:
    `FOR KEY SHARE`, which only a deletion of the customer waits for) until the transaction
    ends: their identities and search terms have no such key (migration 0026), so a customer
    deleted by a concurrent transaction is either not found here or deleted only after this
    one commits, and then with the rows this one wrote (the deletion's triggers see them).
    A caller that wrote identities for a customer it did not create checks that the customer
    was found (`_resolve_once`, `identify`); SQLite admits one writer at a time.
    """
    if not customer_ids:
        return set()
    session.flush()
    customers = list(
        session.scalars(
            select(Customer)
            .where(Customer.workspace_id == workspace_id, Customer.id.in_(list(customer_ids)))
            .with_for_update(read=True, key_share=True, of=Customer)
        )
    )
    for customer in customers:
        customer.sort_name = sort_key_of_name(customer.display_name)
    session.execute(
        delete(CustomerSearchTerm).where(
            CustomerSearchTerm.workspace_id == workspace_id,
            CustomerSearchTerm.customer_id.in_([customer.id for customer in customers]),
        )
    )
    _insert_terms(session, workspace_id=workspace_id, customers=customers)
    return {customer.id for customer in customers}


def refresh_value_summary(
    session: Session, *, workspace_id: int, customer_ids: Collection[int]
) -> None:
    """Recompute total spend, order count and purchase dates from the transactions.

    The total is in the customer's most used currency: amounts in different currencies are
    never added together (the profile shows each currency).

    The customers are locked first, in id order, as the UPDATE would lock them (FOR NO KEY
    UPDATE: foreign-key checks of other writers do not wait): read before, a concurrent
    batch's uncommitted transactions were missed and its summary then overwritten by this
    one's (PostgreSQL, tests/events/test_lock_order.py). Locked, the transactions are read
    after that batch committed.
    """
    if not customer_ids:
        return
    customers = session.scalars(
        select(Customer)
        .where(Customer.workspace_id == workspace_id, Customer.id.in_(list(customer_ids)))
        .order_by(Customer.id)
        .with_for_update(key_share=True, of=Customer)
    ).all()
    rows = session.execute(
        select(
            Transaction.customer_id,
            Transaction.currency,
            func.count(Transaction.id),
            func.sum(Transaction.amount),
            func.min(Transaction.occurred_at),
            func.max(Transaction.occurred_at),
        )
        .where(
            Transaction.workspace_id == workspace_id,
            Transaction.customer_id.in_(list(customer_ids)),
        )
        .group_by(Transaction.customer_id, Transaction.currency)
    ).all()
    by_customer: dict[int, list[Any]] = {}
    for row in rows:
        # Filtered by customer id above, so never NULL here.
        by_customer.setdefault(row[0] or 0, []).append(row)
    for customer in customers:
        currencies = by_customer.get(customer.id, [])
        main = max(currencies, key=lambda row: (row[2], row[3]), default=None)
        customer.total_spend = Decimal(main[3]) if main else Decimal(0)
        customer.spend_currency = main[1] if main else None
        customer.order_count = sum(row[2] for row in currencies)
        customer.first_purchase_at = min((row[4] for row in currencies), default=None)
        customer.last_purchase_at = max((row[5] for row in currencies), default=None)


def all_customer_ids(session: Session, *, workspace_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Customer.id).where(Customer.workspace_id == workspace_id).order_by(Customer.id)
        )
    )


def refresh_last_seen(
    session: Session, *, workspace_id: int, last_seen: dict[int, datetime]
) -> None:
    """Move `last_seen_at` forward for customers whose activity was just recorded."""
    rows = session.scalars(
        select(CustomerSeen).where(
            CustomerSeen.workspace_id == workspace_id,
            CustomerSeen.customer_id.in_(list(last_seen)),
        )
    )
    for row in rows:
        seen = last_seen[row.customer_id]
        if row.last_seen_at is None or seen > row.last_seen_at:
            row.last_seen_at = seen


def contact_preferences(
    session: Session, *, workspace_id: int, customer_id: int
) -> dict[str, bool]:
    """Opted-out flag per contact channel (False where the customer never objected)."""
    stored = dict(
        session.execute(
            select(ContactPreference.channel, ContactPreference.opted_out).where(
                ContactPreference.workspace_id == workspace_id,
                ContactPreference.customer_id == customer_id,
            )
        ).all()
    )
    return {channel: bool(stored.get(channel, False)) for channel in CONTACT_CHANNELS}


def set_contact_preferences(
    session: Session,
    *,
    workspace_id: int,
    customer_id: int,
    opted_out: dict[str, bool],
    actor: Actor,
) -> dict[str, bool]:
    """Store opt-outs for the given channels; audits only what changed."""
    get_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    unknown = set(opted_out) - set(CONTACT_CHANNELS)
    if unknown:
        raise ValueError(f"unknown contact channels {sorted(unknown)}")
    rows = {
        row.channel: row
        for row in session.scalars(
            select(ContactPreference).where(
                ContactPreference.workspace_id == workspace_id,
                ContactPreference.customer_id == customer_id,
            )
        )
    }
    changed: dict[str, bool] = {}
    for channel, value in opted_out.items():
        row = rows.get(channel)
        if row is None:
            if value:
                session.add(
                    ContactPreference(
                        workspace_id=workspace_id,
                        customer_id=customer_id,
                        channel=channel,
                        opted_out=True,
                    )
                )
                changed[channel] = True
        elif row.opted_out != value:
            row.opted_out = value
            row.updated_at = utcnow()
            changed[channel] = value
    if changed:
        record_audit(
            session,
            workspace_id=workspace_id,
            actor=actor,
            action="customer.contact_preferences",
            object_type="customer",
            object_id=customer_id,
            details={"opted_out": changed},
        )
    return contact_preferences(session, workspace_id=workspace_id, customer_id=customer_id)


def may_contact(session: Session, *, workspace_id: int, customer_id: int, channel: str) -> bool:
    """Whether nabd may reach this customer on `channel` (email, sms, whatsapp).

    True only if the customer exists, has the identity the channel needs (an e-mail address
    or a phone number) and has not opted out of that channel.
    """
    identity_kind = IDENTITY_FOR_CHANNEL.get(channel)
    if identity_kind is None:
        raise ValueError(f"unknown contact channel {channel!r}")
    reachable = session.scalar(
        select(func.count(CustomerIdentity.id)).where(
            CustomerIdentity.workspace_id == workspace_id,
            CustomerIdentity.customer_id == customer_id,
            CustomerIdentity.kind == identity_kind,
        )
    )
    if not reachable:
        return False
    opted_out = session.scalar(
        select(ContactPreference.opted_out).where(
            ContactPreference.workspace_id == workspace_id,
            ContactPreference.customer_id == customer_id,
            ContactPreference.channel == channel,
        )
    )
    return not opted_out
