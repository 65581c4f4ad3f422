"""The feedback explorer's queries: filtered, searchable lists and the topic × sentiment summary.

Items come newest first with keyset pagination on (created_at, id). Filters on the
annotation see the analysts' corrections, because corrections are applied to the stored
annotation. Search folds the query exactly as `search_text` was folded ("احمد" finds
"أحمد"); each word must occur, anywhere in the text.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.pagination import Page
from nabd.core.sql import month_bucket
from nabd.feedback.models import FeedbackItem
from nabd.metrics.errors import InvalidMetricQuery
from nabd.metrics.places import Places
from nabd.segments import service as segments
from nabd.text.annotations import AnnotationTopic, FeedbackAnnotation
from nabd.text.normalize import normalize_for_search

MAX_SEARCH_WORDS = 8
Columns = TypeVarTuple("Columns")
TREND_MONTHS = 12
_SUMMARY_LABELS = ("positive", "neutral", "negative", "mixed")


@dataclass(frozen=True)
class FeedbackFilters:
    source: str | None = None
    channel_id: int | None = None
    touchpoint_id: int | None = None
    language: str | None = None
    sentiment: str | None = None
    topic: str | None = None
    intent: str | None = None
    emotion: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    query: str | None = None
    # Texts of the segment's members, as of the segment's last refresh.
    segment_id: int | None = None
    # None: any touchpoint. A list: only texts at these (a journey's or a stage's).
    touchpoint_ids: Sequence[int] | None = None


@dataclass(frozen=True)
class ExplorerEntry:
    """One item and its current annotation (None until the background job has run)."""

    item: FeedbackItem
    annotation: FeedbackAnnotation | None


@dataclass(frozen=True)
class TopicSummary:
    topic: str
    positive: int
    neutral: int
    negative: int
    mixed: int

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative + self.mixed

    @property
    def net(self) -> int:
        """Net sentiment: % positive minus % negative, −100…100."""
        return round(100 * (self.positive - self.negative) / self.total) if self.total else 0


@dataclass(frozen=True)
class MonthTrend:
    month: str  # YYYY-MM
    total: int
    positive: int
    negative: int

    @property
    def net(self) -> int:
        return round(100 * (self.positive - self.negative) / self.total) if self.total else 0


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_words(query: str | None) -> list[str]:
    """The folded words of a search query (at most `MAX_SEARCH_WORDS`)."""
    return normalize_for_search(query or "").split()[:MAX_SEARCH_WORDS]


def _conditions(workspace_id: int, filters: FeedbackFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses over feedback_items joined (outer) with text_annotations."""
    conditions: list[ColumnElement[bool]] = [FeedbackItem.workspace_id == workspace_id]
    item_columns: dict[str, Any] = {
        "source": FeedbackItem.source,
        "channel_id": FeedbackItem.channel_id,
        "touchpoint_id": FeedbackItem.touchpoint_id,
    }
    annotation_columns: dict[str, Any] = {
        "language": FeedbackAnnotation.language,
        "sentiment": FeedbackAnnotation.sentiment,
        "intent": FeedbackAnnotation.intent,
        "emotion": FeedbackAnnotation.emotion,
    }
    for name, column in {**item_columns, **annotation_columns}.items():
        value = getattr(filters, name)
        if value is not None:
            conditions.append(column == value)
    if filters.touchpoint_ids is not None:
        conditions.append(FeedbackItem.touchpoint_id.in_(filters.touchpoint_ids))
    if filters.since is not None:
        conditions.append(FeedbackItem.created_at >= filters.since)
    if filters.until is not None:
        conditions.append(FeedbackItem.created_at < filters.until)
    if filters.topic is not None:
        conditions.append(
            FeedbackItem.id.in_(
                select(AnnotationTopic.feedback_item_id).where(
                    AnnotationTopic.workspace_id == workspace_id,
                    AnnotationTopic.topic == filters.topic,
                )
            )
        )
    if filters.segment_id is not None:
        members = segments.member_ids(workspace_id=workspace_id, segment_id=filters.segment_id)
        conditions.append(FeedbackItem.customer_id.in_(members))
    for word in search_words(filters.query):
        conditions.append(
            FeedbackAnnotation.search_text.like(f"%{_escape_like(word)}%", escape="\\")
        )
    return conditions


def journey_touchpoints(
    session: Session, *, workspace_id: int, journey_id: int | None, stage_id: int | None
) -> list[int] | None:
    """The touchpoints of the journey or stage as the metrics read them (None: no such filter),
    so the comments behind a journey's number are the journey's; an unknown or mismatched id
    is a 422 naming `journey_id` or `stage_id`."""
    try:
        return Places(session, workspace_id=workspace_id).journey_filter(journey_id, stage_id)
    except InvalidMetricQuery as error:
        # The reason ("Unknown journey.") is the message, so the page says which filter.
        raise ValidationFailed(error.details[0].reason, details=error.details) from None


def _joined(statement: Select[*Columns]) -> Select[*Columns]:
    return statement.outerjoin(
        FeedbackAnnotation,
        and_(
            FeedbackAnnotation.workspace_id == FeedbackItem.workspace_id,
            FeedbackAnnotation.feedback_item_id == FeedbackItem.id,
        ),
    )


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        N_("Invalid query parameters."),
        details=[ErrorDetail(field="cursor", reason=N_("Not a cursor returned by this API."))],
    )


def encode_cursor(item: FeedbackItem) -> str:
    payload = {"t": item.created_at.isoformat(), "id": item.id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        created_at, item_id = datetime.fromisoformat(payload["t"]), payload["id"]
    except (binascii.Error, ValueError, UnicodeDecodeError, KeyError, TypeError):
        raise _invalid_cursor() from None
    if not isinstance(item_id, int) or created_at.tzinfo is None:
        raise _invalid_cursor()
    return created_at, item_id


def list_feedback(
    session: Session,
    *,
    workspace_id: int,
    filters: FeedbackFilters,
    limit: int,
    cursor: str | None = None,
) -> Page[ExplorerEntry]:
    """One page of matching items, newest first, and the cursor of the next page."""
    statement = _joined(select(FeedbackItem, FeedbackAnnotation)).where(
        *_conditions(workspace_id, filters)
    )
    if cursor:
        created_at, item_id = decode_cursor(cursor)
        statement = statement.where(
            or_(
                FeedbackItem.created_at < created_at,
                and_(FeedbackItem.created_at == created_at, FeedbackItem.id < item_id),
            )
        )
    rows = session.execute(
        statement.order_by(FeedbackItem.created_at.desc(), FeedbackItem.id.desc()).limit(limit + 1)
    ).all()
    entries = [ExplorerEntry(item, annotation) for item, annotation in rows[:limit]]
    next_cursor = encode_cursor(entries[-1].item) if len(rows) > limit else None
    return Page(items=entries, next_cursor=next_cursor)


def _count_of(column: Any, value: str) -> Any:
    return func.sum(case((column == value, 1), else_=0))


def topic_summary(
    session: Session, *, workspace_id: int, filters: FeedbackFilters
) -> list[TopicSummary]:
    """Per topic of the matching items: mentions by the topic's own sentiment, most first."""
    statement = _joined(
        select(
            AnnotationTopic.topic,
            *(_count_of(AnnotationTopic.sentiment, label) for label in _SUMMARY_LABELS),
        )
        .select_from(AnnotationTopic)
        .join(
            FeedbackItem,
            and_(
                FeedbackItem.workspace_id == AnnotationTopic.workspace_id,
                FeedbackItem.id == AnnotationTopic.feedback_item_id,
            ),
        )
    ).where(AnnotationTopic.workspace_id == workspace_id, *_conditions(workspace_id, filters))
    rows = session.execute(statement.group_by(AnnotationTopic.topic)).all()
    summaries = [
        TopicSummary(topic, int(pos or 0), int(neu or 0), int(neg or 0), int(mixed or 0))
        for topic, pos, neu, neg, mixed in rows
    ]
    return sorted(summaries, key=lambda summary: (-summary.total, summary.topic))


def monthly_trend(
    session: Session, *, workspace_id: int, filters: FeedbackFilters
) -> list[MonthTrend]:
    """Annotated items per month (of the text's date) with their sentiment, the last 12 months
    that have any."""
    dialect = session.get_bind().dialect.name
    month = month_bucket(FeedbackItem.created_at, dialect).label("month")
    statement = (
        _joined(
            select(
                month,
                func.count(FeedbackAnnotation.id),
                _count_of(FeedbackAnnotation.sentiment, "positive"),
                _count_of(FeedbackAnnotation.sentiment, "negative"),
            )
        )
        .where(FeedbackAnnotation.id.is_not(None), *_conditions(workspace_id, filters))
        .group_by(month)
        .order_by(month.desc())
        .limit(TREND_MONTHS)
    )
    rows: Sequence[Any] = session.execute(statement).all()
    return [
        MonthTrend(str(month_key), int(total), int(positive or 0), int(negative or 0))
        for month_key, total, positive, negative in reversed(rows)
    ]
