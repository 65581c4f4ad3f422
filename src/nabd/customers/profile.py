"""Everything the profile page shows besides the timeline, in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from nabd.customers.models import Customer
from nabd.customers.scores import CustomerScores, customer_scores
from nabd.customers.service import contact_preferences, get_customer
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.journeys.models import Channel, Touchpoint
from nabd.surveys.models import SurveyResponse


@dataclass(frozen=True)
class CurrencyValue:
    """What a customer spent in one currency (currencies are never added together)."""

    currency: str
    total: Decimal
    order_count: int
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None


@dataclass(frozen=True)
class CustomerProfile:
    customer: Customer
    value: list[CurrencyValue]
    channel_ids: list[int]
    contact_preferences: dict[str, bool]
    scores: CustomerScores


@dataclass(frozen=True)
class PlaceNames:
    """The workspace's channels and touchpoints by id, for names in the reader's language."""

    channels: dict[int, Channel]
    touchpoints: dict[int, Touchpoint]

    def channel_name(self, channel_id: int | None, locale: str) -> str | None:
        channel = self.channels.get(channel_id) if channel_id is not None else None
        if channel is None:
            return None
        return channel.name_ar if locale == "ar" else channel.name_en

    def touchpoint_name(self, touchpoint_id: int | None, locale: str) -> str | None:
        touchpoint = self.touchpoints.get(touchpoint_id) if touchpoint_id is not None else None
        if touchpoint is None:
            return None
        return touchpoint.name_ar if locale == "ar" else touchpoint.name_en


def place_names(session: Session, *, workspace_id: int) -> PlaceNames:
    channels = session.scalars(select(Channel).where(Channel.workspace_id == workspace_id))
    touchpoints = session.scalars(select(Touchpoint).where(Touchpoint.workspace_id == workspace_id))
    return PlaceNames(
        channels={channel.id: channel for channel in channels},
        touchpoints={touchpoint.id: touchpoint for touchpoint in touchpoints},
    )


def spend_by_currency(
    session: Session, *, workspace_id: int, customer_id: int
) -> list[CurrencyValue]:
    rows = session.execute(
        select(
            Transaction.currency,
            func.sum(Transaction.amount),
            func.count(Transaction.id),
            func.min(Transaction.occurred_at),
            func.max(Transaction.occurred_at),
        )
        .where(Transaction.workspace_id == workspace_id, Transaction.customer_id == customer_id)
        .group_by(Transaction.currency)
        .order_by(func.count(Transaction.id).desc(), Transaction.currency)
    )
    return [
        CurrencyValue(
            currency=currency,
            total=Decimal(total),
            order_count=count,
            first_purchase_at=first,
            last_purchase_at=last,
        )
        for currency, total, count, first, last in rows
    ]


def channels_used(session: Session, *, workspace_id: int, customer_id: int) -> list[int]:
    """Every channel the customer has been seen on, by any kind of interaction."""
    parts = [
        select(model.channel_id).where(
            model.workspace_id == workspace_id,
            model.customer_id == customer_id,
            model.channel_id.is_not(None),
        )
        for model in (Event, Transaction, FeedbackItem, SurveyResponse)
    ]
    merged = union(*parts).subquery()
    return sorted(session.scalars(select(merged.c.channel_id)))


def customer_profile(session: Session, *, workspace_id: int, customer_id: int) -> CustomerProfile:
    customer = get_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    return CustomerProfile(
        customer=customer,
        value=spend_by_currency(session, workspace_id=workspace_id, customer_id=customer_id),
        channel_ids=channels_used(session, workspace_id=workspace_id, customer_id=customer_id),
        contact_preferences=contact_preferences(
            session, workspace_id=workspace_id, customer_id=customer_id
        ),
        scores=customer_scores(session, workspace_id=workspace_id, customer_id=customer_id),
    )
