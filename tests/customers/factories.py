"""Customers with histories, created through the services and committed."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import transaction
from nabd.customers import privacy, service
from nabd.customers.models import Customer
from nabd.events import service as events
from nabd.feedback.service import record_feedback
from nabd.journeys import service as journeys
from nabd.journeys.models import Channel, Touchpoint
from nabd.workspaces.models import Workspace
from tests.threads import in_thread

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_customer(
    session: Session,
    workspace: Workspace,
    name: str | None = "أحمد العتيبي",
    *,
    email: str | None = None,
    phone: str | None = None,
    external_id: str | None = None,
    last_seen_at: datetime | None = None,
    attributes: dict[str, Any] | None = None,
) -> Customer:
    identities = [
        (kind, value)
        for kind, value in (("email", email), ("phone", phone), ("external_id", external_id))
        if value
    ]
    customer = service.create_customer(
        session,
        workspace_id=workspace.id,
        display_name=name,
        language="ar",
        attributes=attributes or {},
        identities=identities,
        first_seen_at=last_seen_at,
    )
    session.commit()
    return customer


def make_places(session: Session, workspace: Workspace) -> tuple[Channel, Touchpoint]:
    channel = journeys.ensure_channel(
        session, workspace_id=workspace.id, key="web", name_ar="الموقع", name_en="Website"
    )
    touchpoint = journeys.ensure_touchpoint(
        session,
        workspace_id=workspace.id,
        key="checkout",
        name_ar="صفحة الدفع",
        name_en="Checkout page",
        channel=channel,
    )
    session.commit()
    return channel, touchpoint


def add_history(
    session: Session,
    workspace: Workspace,
    customer: Customer,
    *,
    channel: Channel | None = None,
    touchpoint: Touchpoint | None = None,
    events_count: int = 3,
    order_prefix: str = "SO",
    feedback_text: str = "الخدمة ممتازة والتوصيل سريع",
) -> None:
    """Events one hour apart from T0, one purchase and one feedback text in between."""
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {
                "customer_id": customer.id,
                "type": "page_view",
                "occurred_at": T0 + timedelta(hours=index),
                "received_at": T0 + timedelta(hours=index),
                "channel_id": channel.id if channel else None,
                "touchpoint_id": touchpoint.id if touchpoint else None,
                "client_event_id": f"{order_prefix}-evt-{customer.id}-{index}",
                "properties": {
                    "path": f"/p/{index}",
                    "email_seen": f"seen-{order_prefix}-{customer.id}@mail.example",
                },
            }
            for index in range(events_count)
        ],
    )
    events.add_transactions(
        session,
        workspace_id=workspace.id,
        rows=[
            {
                "order_id": f"{order_prefix}-{customer.id}",
                "customer_id": customer.id,
                "amount": Decimal("250.50"),
                "currency": "SAR",
                "occurred_at": T0 + timedelta(minutes=90),
                "channel_id": None,
                "category": "electronics",
                "items": [{"sku": "X1", "buyer_note": f"gift for {order_prefix}-{customer.id}"}],
            }
        ],
    )
    record_feedback(
        session,
        workspace_id=workspace.id,
        source="review",
        text=feedback_text,
        created_at=T0 + timedelta(minutes=150),
        external_id=f"{order_prefix}-review-{customer.id}",
        customer_id=customer.id,
        channel_id=channel.id if channel else None,
        touchpoint_id=touchpoint.id if touchpoint else None,
        language="ar",
        rating=Decimal(5),
        rating_scale_max=5,
    )
    service.refresh_value_summary(session, workspace_id=workspace.id, customer_ids=[customer.id])
    session.commit()


def erase_in_thread(
    factory: sessionmaker[Session], *, workspace_id: int, customer_id: int
) -> tuple[threading.Thread, list[BaseException]]:
    """The customer's erasure started on a thread, in a transaction of its own: a test of
    what it waits for holds another transaction open meanwhile."""

    def erase() -> None:
        with transaction(factory) as erasing:
            privacy.erase_customer(
                erasing, workspace_id=workspace_id, customer_id=customer_id, actor=SYSTEM_ACTOR
            )

    return in_thread(erase)
