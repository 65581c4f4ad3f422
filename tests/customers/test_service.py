"""Contact preferences, `may_contact` and the value summary."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry
from nabd.customers import service
from nabd.customers.errors import CustomerNotFound
from nabd.events import service as events
from tests.customers.factories import T0, add_history, make_customer
from tests.factories import make_workspace


def test_opt_outs_are_stored_audited_and_respected(session: Session) -> None:
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, email="a@example.com", phone="+966500000000")
    ids = {"workspace_id": workspace.id, "customer_id": customer.id}
    assert service.may_contact(session, **ids, channel="email")
    assert service.may_contact(session, **ids, channel="whatsapp")
    stored = service.set_contact_preferences(
        session, **ids, opted_out={"email": True, "sms": False}, actor=SYSTEM_ACTOR
    )
    session.commit()
    assert stored == {"email": True, "sms": False, "whatsapp": False}
    assert not service.may_contact(session, **ids, channel="email")
    assert service.may_contact(session, **ids, channel="sms")
    entries = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "customer.contact_preferences")
    ).all()
    assert [(e.object_id, e.details) for e in entries] == [
        (str(customer.id), {"opted_out": {"email": True}})
    ]
    # Saving the same again changes nothing and audits nothing.
    service.set_contact_preferences(session, **ids, opted_out={"email": True}, actor=SYSTEM_ACTOR)
    service.set_contact_preferences(session, **ids, opted_out={"email": False}, actor=SYSTEM_ACTOR)
    session.commit()
    assert service.may_contact(session, **ids, channel="email")
    assert (
        session.query(AuditLogEntry).filter_by(action="customer.contact_preferences").count() == 2
    )


def test_may_contact_needs_the_identity_of_the_channel(session: Session) -> None:
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, email="a@example.com")
    ids = {"workspace_id": workspace.id, "customer_id": customer.id}
    assert service.may_contact(session, **ids, channel="email")
    assert not service.may_contact(session, **ids, channel="sms")
    assert not service.may_contact(
        session, workspace_id=workspace.id, customer_id=999, channel="email"
    )
    with pytest.raises(ValueError):
        service.may_contact(session, **ids, channel="pigeon")


def test_preferences_of_another_workspace_cannot_be_set(session: Session) -> None:
    mine, theirs = make_workspace(session), make_workspace(session, "theirs")
    customer = make_customer(session, theirs)
    with pytest.raises(CustomerNotFound):
        service.set_contact_preferences(
            session,
            workspace_id=mine.id,
            customer_id=customer.id,
            opted_out={"email": True},
            actor=SYSTEM_ACTOR,
        )


def test_value_summary_keeps_currencies_apart(session: Session) -> None:
    workspace = make_workspace(session)
    customer = make_customer(session, workspace)
    add_history(session, workspace, customer)
    events.add_transactions(
        session,
        workspace_id=workspace.id,
        rows=[
            {
                "order_id": "USD-1",
                "customer_id": customer.id,
                "amount": Decimal("10.00"),
                "currency": "USD",
                "occurred_at": T0,
            },
        ],
    )
    service.refresh_value_summary(session, workspace_id=workspace.id, customer_ids=[customer.id])
    session.commit()
    session.refresh(customer)
    assert customer.total_spend == Decimal("250.50")
    assert customer.spend_currency == "SAR"
    assert customer.order_count == 2
    assert customer.first_purchase_at == T0
