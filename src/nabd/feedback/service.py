"""Recording and reading feedback items, scoped by workspace."""

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core.bulk import insert_ids, insert_rows
from nabd.feedback.models import FEEDBACK_SOURCES, FeedbackItem
from nabd.text.tasks import annotate_soon


@dataclass(frozen=True, slots=True)
class NewFeedback:
    """One text for `record_new_feedback`; the fields mean what `record_feedback`'s do."""

    source: str
    external_id: str
    text: str
    created_at: datetime
    customer_id: int | None = None
    channel_id: int | None = None
    touchpoint_id: int | None = None
    language: str | None = None
    rating: Decimal | None = None
    rating_scale_max: int | None = None
    details: dict[str, Any] = field(default_factory=dict)


# Looked up once: `dataclasses.fields` per item was a tenth of a batch's feedback time.
_NEW_FEEDBACK_FIELDS = tuple(f.name for f in fields(NewFeedback))


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
    """Store one text; returns (item, created). A repeated external id returns the first item.

    A new item is annotated by a background job sent when the caller's transaction commits.
    """
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
    annotate_soon(session, workspace_id=workspace_id, item_ids=[item.id])
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


def record_new_feedback(
    session: Session, *, workspace_id: int, items: Sequence[NewFeedback]
) -> None:
    """Store many texts in one statement, without `record_feedback`'s per-item lookup;
    annotated like any new item.

    Only for texts whose external ids cannot exist yet because they name rows created in
    this same transaction (a response just inserted); anything else goes through
    `record_feedback`, which is idempotent.
    """
    if not items:
        return
    rows = []
    for item in items:
        if item.source not in FEEDBACK_SOURCES:
            raise ValueError(f"unknown feedback source {item.source!r}")
        row = {name: getattr(item, name) for name in _NEW_FEEDBACK_FIELDS}
        row["workspace_id"] = workspace_id
        rows.append(row)
    table = cast(Table, FeedbackItem.__table__)  # Core: no ORM bookkeeping per row
    item_ids = [item_id for (item_id,) in insert_rows(session, table, rows, returning=("id",))]
    annotate_soon(session, workspace_id=workspace_id, item_ids=list(item_ids))


def record_new_feedback_columns(
    session: Session, *, workspace_id: int, columns: dict[str, list[Any]]
) -> None:
    """`record_new_feedback` for texts given as columns, one list per `NewFeedback` field
    (the survey batch path builds its rows so, without an object and a dict per item)."""
    if set(columns) != set(_NEW_FEEDBACK_FIELDS):
        raise ValueError("the columns must be NewFeedback's fields")
    count = len(columns["source"])
    if not count:
        return
    unknown = set(columns["source"]).difference(FEEDBACK_SOURCES)
    if unknown:
        raise ValueError(f"unknown feedback source {min(unknown)!r}")
    table = cast(Table, FeedbackItem.__table__)
    with_workspace = {**columns, "workspace_id": [workspace_id] * count}
    item_ids = insert_ids(session, table, with_workspace)
    annotate_soon(session, workspace_id=workspace_id, item_ids=list(item_ids))
