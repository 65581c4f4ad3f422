"""Helpers for the ingestion tests: bearer headers and well-formed items."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_token

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def bearer(session: Session, workspace: Workspace, role: Role = Role.ANALYST) -> dict[str, str]:
    _, plaintext = make_token(session, workspace, role)
    return {"Authorization": f"Bearer {plaintext}"}


def event(event_id: str, *, minutes: int = 0, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "event_id": event_id,
        "customer": {"external_id": "u-1"},
        "type": "page_view",
        "timestamp": (T0 + timedelta(minutes=minutes)).isoformat(),
        "properties": {"path": "/"},
    }
    item.update(overrides)
    return item


def transaction(order_id: str, **overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "order_id": order_id,
        "customer": {"email": "buyer@example.com"},
        "amount": "199.90",
        "currency": "SAR",
        "timestamp": T0.isoformat(),
        "category": "electronics",
        "items": [{"sku": "X1", "quantity": 1}],
    }
    item.update(overrides)
    return item
