"""Feedback items stored through the service, as every channel stores them."""

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from nabd.feedback.models import FeedbackItem
from nabd.feedback.service import record_feedback
from nabd.workspaces.models import Workspace

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def add_feedback(
    session: Session,
    workspace: Workspace,
    text: str,
    *,
    source: str = "review",
    created_at: datetime = T0,
    external_id: str | None = None,
    customer_id: int | None = None,
    channel_id: int | None = None,
    rating: Decimal | None = None,
) -> FeedbackItem:
    item, _created = record_feedback(
        session,
        workspace_id=workspace.id,
        source=source,
        text=text,
        created_at=created_at,
        external_id=external_id,
        customer_id=customer_id,
        channel_id=channel_id,
        rating=rating,
        rating_scale_max=5 if rating is not None else None,
    )
    session.commit()
    return item
