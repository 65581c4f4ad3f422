"""Recording events and transactions, and summarising recent activity."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from nabd.core.sql import month_bucket
from nabd.events.models import Event, Transaction


@dataclass(frozen=True)
class ChannelActivity:
    channel_id: int | None
    event_count: int


@dataclass(frozen=True)
class MonthActivity:
    month: str
    order_count: int
    revenue: Decimal


@dataclass(frozen=True)
class ActivitySummary:
    event_count: int
    active_customer_count: int
    order_count: int
    revenue_by_currency: dict[str, Decimal]
    by_channel: list[ChannelActivity]


def add_events(session: Session, *, workspace_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Insert already-validated events in one round trip (bulk loads, the demo)."""
    if rows:
        session.execute(insert(Event), [{**row, "workspace_id": workspace_id} for row in rows])


def add_transactions(
    session: Session, *, workspace_id: int, rows: Sequence[dict[str, Any]]
) -> None:
    if rows:
        session.execute(
            insert(Transaction), [{**row, "workspace_id": workspace_id} for row in rows]
        )


def summarise_activity(session: Session, *, workspace_id: int, since: datetime) -> ActivitySummary:
    recent_events = (Event.workspace_id == workspace_id, Event.occurred_at >= since)
    event_count, active_customers = session.execute(
        select(func.count(Event.id), func.count(func.distinct(Event.customer_id))).where(
            *recent_events
        )
    ).one()
    by_channel = [
        ChannelActivity(channel_id=channel_id, event_count=count)
        for channel_id, count in session.execute(
            select(Event.channel_id, func.count(Event.id))
            .where(*recent_events)
            .group_by(Event.channel_id)
            .order_by(func.count(Event.id).desc())
        )
    ]
    # Amounts in different currencies are never added together.
    revenue_rows = session.execute(
        select(Transaction.currency, func.count(Transaction.id), func.sum(Transaction.amount))
        .where(Transaction.workspace_id == workspace_id, Transaction.occurred_at >= since)
        .group_by(Transaction.currency)
        .order_by(func.sum(Transaction.amount).desc())
    ).all()
    return ActivitySummary(
        event_count=event_count,
        active_customer_count=active_customers,
        order_count=sum(count for _currency, count, _total in revenue_rows),
        revenue_by_currency={currency: Decimal(total) for currency, _count, total in revenue_rows},
        by_channel=by_channel,
    )


def monthly_sales(session: Session, *, workspace_id: int, since: datetime) -> list[MonthActivity]:
    dialect = session.get_bind().dialect.name
    month = month_bucket(Transaction.occurred_at, dialect)
    rows = session.execute(
        select(month, func.count(Transaction.id), func.sum(Transaction.amount))
        .where(Transaction.workspace_id == workspace_id, Transaction.occurred_at >= since)
        .group_by(month)
        .order_by(month)
    )
    return [
        MonthActivity(month=label, order_count=count, revenue=Decimal(total or 0))
        for label, count, total in rows
    ]
