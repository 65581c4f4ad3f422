"""Recording and reading feedback items, scoped by workspace."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.feedback.models import FEEDBACK_SOURCES, FeedbackItem


def record_feedback(
    session: Session,
    *,
    workspace_id: int,
    source: str,
    text: str,
    created_at: datetime,
    external_id: str | None = None,
    customer_id: int | None = None,
    channel_id: int | None = None,
    touchpoint_id: int | None = None,
    language: str | None = None,
    rating: Decimal | None = None,
    rating_scale_max: int | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[FeedbackItem, bool]:
    """Store one text; returns (item, created). A repeated external id returns the first item."""
    if source not in FEEDBACK_SOURCES:
        raise ValueError(f"unknown feedback source {source!r}")
    if external_id is not None:
        existing = find_by_external_id(
            session, workspace_id=workspace_id, source=source, external_id=external_id
        )
        if existing is not None:
            return existing, False
    item = FeedbackItem(
        workspace_id=workspace_id,
        source=source,
        text=text,
        created_at=created_at,
        external_id=external_id,
        customer_id=customer_id,
        channel_id=channel_id,
        touchpoint_id=touchpoint_id,
        language=language,
        rating=rating,
        rating_scale_max=rating_scale_max,
        details=details or {},
    )
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        # A concurrent request stored the same external id first; theirs wins.
        existing = find_by_external_id(
            session, workspace_id=workspace_id, source=source, external_id=external_id or ""
        )
        if existing is None:
            raise
        return existing, False
    return item, True


def find_by_external_id(
    session: Session, *, workspace_id: int, source: str, external_id: str
) -> FeedbackItem | None:
    return session.scalar(
        select(FeedbackItem).where(
            FeedbackItem.workspace_id == workspace_id,
            FeedbackItem.source == source,
            FeedbackItem.external_id == external_id,
        )
    )
