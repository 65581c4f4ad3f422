"""A small spine spread over several months, written through the services and committed."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
from sqlalchemy.orm import Session

from nabd.analytics.query import Snapshot
from nabd.customers import service as customers
from nabd.events import service as events
from nabd.feedback.service import record_feedback
from nabd.journeys import service as journeys
from nabd.workspaces.models import Workspace

START = datetime(2026, 1, 3, 8, 0, tzinfo=UTC)
LONG_AGO = datetime(2025, 12, 1, tzinfo=UTC)
CITIES = ("Riyadh", "Jeddah", "الدمام")


@dataclass(frozen=True)
class Spine:
    customer_ids: list[int]
    channel_ids: list[int]


def seed_spine(
    session: Session, workspace: Workspace, *, customer_count: int = 6, days: int = 80
) -> Spine:
    """Customers with a city (one without), events every day on two channels, orders, texts."""
    channels = [
        journeys.ensure_channel(
            session, workspace_id=workspace.id, key=key, name_ar=key, name_en=key
        )
        for key in ("web", "store")
    ]
    session.flush()
    people = []
    for index in range(customer_count):
        attributes = {"city": CITIES[index % 3], "tier": index % 2} if index else {}
        people.append(
            customers.create_customer(
                session,
                workspace_id=workspace.id,
                display_name=f"عميل {index}",
                language="ar",
                attributes=attributes,
                identities=[("email", f"c{index}@{workspace.slug}.example")],
                first_seen_at=START,
            )
        )
    session.flush()
    event_rows, order_rows = [], []
    for day in range(days):
        at = START + timedelta(days=day, hours=day % 7)
        for index, person in enumerate(people):
            if (day + index) % 3 == 0:
                continue
            event_rows.append(
                {
                    "customer_id": person.id,
                    "type": ("page_view", "purchase", "call")[(day + index) % 3 - 1],
                    "channel_id": channels[(day + index) % 2].id,
                    "occurred_at": at + timedelta(minutes=index),
                    "received_at": LONG_AGO,
                    "properties": {"day": day},
                }
            )
        event_rows.append(
            {"type": "page_view", "occurred_at": at, "received_at": LONG_AGO, "properties": {}}
        )
        if day % 4 == 0:
            person = people[day % customer_count]
            order_rows.append(
                {
                    "order_id": f"{workspace.slug}-{day}",
                    "customer_id": person.id,
                    "amount": Decimal("10.25") * (day % 5 + 1),
                    "currency": "SAR",
                    "occurred_at": at,
                    "channel_id": channels[day % 2].id,
                    "items": [{"sku": "A"}],
                    "created_at": LONG_AGO,
                }
            )
    events.add_events(session, workspace_id=workspace.id, rows=event_rows)
    events.add_transactions(session, workspace_id=workspace.id, rows=order_rows)
    for index, person in enumerate(people):
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="review",
            text=f"الخدمة ممتازة {index}",
            created_at=START + timedelta(days=index * 13),
            customer_id=person.id,
            rating=Decimal(index % 5 + 1),
            rating_scale_max=5,
        )
    session.commit()
    return Spine([person.id for person in people], [channel.id for channel in channels])


def read_table(root: Path, workspace_id: int, table: str) -> pl.DataFrame:
    """Every row of a snapshot table, read straight from its files."""
    return Snapshot(root / str(workspace_id)).scan(table).collect()
