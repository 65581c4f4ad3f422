"""A customer's timeline: events, transactions, survey responses and feedback, newest first,
keyset-paged.

The tables are merged in SQL (UNION ALL ordered by time, kind and id) so one page is
one query plus one detail query per kind, however long the history.
"""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, literal, or_, select, union_all
from sqlalchemy.orm import Session

from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.customers.scores import response_scores
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.surveys.models import Survey, SurveyResponse

DEFAULT_TIMELINE_LIMIT = 50


class EntryKind(StrEnum):
    # Alphabetical order is the tie-break order at equal times, so values are part of cursors.
    EVENT = "event"
    FEEDBACK = "feedback"
    RESPONSE = "response"
    TRANSACTION = "transaction"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EntryKind.EVENT: N_("Event"),
    EntryKind.FEEDBACK: N_("Feedback"),
    EntryKind.RESPONSE: N_("Survey response"),
    EntryKind.TRANSACTION: N_("Purchase"),
}
_TIME_COLUMNS = {EntryKind.FEEDBACK: "created_at", EntryKind.RESPONSE: "submitted_at"}
_SOURCES: dict[EntryKind, Any] = {
    EntryKind.EVENT: Event,
    EntryKind.FEEDBACK: FeedbackItem,
    EntryKind.RESPONSE: SurveyResponse,
    EntryKind.TRANSACTION: Transaction,
}


@dataclass(frozen=True)
class TimelineFilters:
    kinds: frozenset[EntryKind] = frozenset(EntryKind)
    channel_id: int | None = None


class EntryFacts(BaseModel):
    """What a timeline entry says, whoever reads it: the profile page (`TimelineEntry`) and the
    API (`nabd.customers.schemas.TimelineEntryOut`) add only where it happened, as ids or as
    names. Each kind fills its own fields and leaves the others None."""

    model_config = ConfigDict(frozen=True)

    kind: EntryKind
    id: int
    at: datetime
    event_type: str | None = None
    properties: dict[str, Any] | None = None
    amount: Decimal | None = None
    currency: str | None = None
    order_id: str | None = None
    category: str | None = None
    text: str | None = None
    source: str | None = None
    language: str | None = None
    rating: Decimal | None = None
    rating_scale_max: int | None = None
    survey_id: int | None = None
    survey_title_ar: str | None = None
    survey_title_en: str | None = None
    scores: dict[str, int] | None = None


class TimelineEntry(EntryFacts):
    channel_id: int | None
    touchpoint_id: int | None


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        N_("Invalid query parameters."),
        details=[ErrorDetail(field="cursor", reason=N_("Not a cursor returned by this API."))],
    )


def encode_cursor(entry: TimelineEntry) -> str:
    payload = {"at": entry.at.isoformat(), "k": entry.kind.value, "id": entry.id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, EntryKind, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        at = datetime.fromisoformat(payload["at"])
        if at.tzinfo is None or not isinstance(payload["id"], int):
            raise _invalid_cursor()
        return at, EntryKind(payload["k"]), payload["id"]
    except (binascii.Error, ValueError, UnicodeDecodeError, KeyError, TypeError):
        raise _invalid_cursor() from None


def _before(
    kind: EntryKind, at_column: Any, id_column: Any, cursor: tuple[datetime, EntryKind, int]
) -> ColumnElement[bool]:
    """Rows of `kind` after the cursor in (time desc, kind desc, id desc) order."""
    at, cursor_kind, last_id = cursor
    if kind < cursor_kind:
        return at_column <= at
    if kind > cursor_kind:
        return at_column < at
    return or_(at_column < at, and_(at_column == at, id_column < last_id))


def _branch(
    kind: EntryKind,
    *,
    workspace_id: int,
    customer_id: int,
    filters: TimelineFilters,
    cursor: tuple[datetime, EntryKind, int] | None,
) -> Any:
    model = _SOURCES[kind]
    at_column = getattr(model, _TIME_COLUMNS.get(kind, "occurred_at"))
    statement = select(
        literal(kind.value).label("kind"),
        model.id.label("id"),
        at_column.label("at"),
    ).where(model.workspace_id == workspace_id, model.customer_id == customer_id)
    if filters.channel_id is not None:
        statement = statement.where(model.channel_id == filters.channel_id)
    if cursor is not None:
        statement = statement.where(_before(kind, at_column, model.id, cursor))
    return statement


def customer_timeline(
    session: Session,
    *,
    workspace_id: int,
    customer_id: int,
    filters: TimelineFilters = TimelineFilters(),
    limit: int = DEFAULT_TIMELINE_LIMIT,
    cursor: str | None = None,
) -> TimelinePage:
    """Newest first; the caller has already checked that the customer is in the workspace."""
    position = decode_cursor(cursor) if cursor else None
    kinds = sorted(filters.kinds)
    if not kinds:
        return TimelinePage(entries=[], next_cursor=None)
    branches = [
        _branch(
            kind,
            workspace_id=workspace_id,
            customer_id=customer_id,
            filters=filters,
            cursor=position,
        )
        for kind in kinds
    ]
    merged = union_all(*branches).subquery()
    keys = session.execute(
        select(merged.c.kind, merged.c.id)
        .order_by(merged.c.at.desc(), merged.c.kind.desc(), merged.c.id.desc())
        .limit(limit + 1)
    ).all()
    has_more = len(keys) > limit
    keys = keys[:limit]
    details = _details(session, workspace_id=workspace_id, keys=keys)
    entries = [details[(EntryKind(kind), entry_id)] for kind, entry_id in keys]
    next_cursor = encode_cursor(entries[-1]) if has_more and entries else None
    return TimelinePage(entries=entries, next_cursor=next_cursor)


def _details(
    session: Session, *, workspace_id: int, keys: Sequence[Any]
) -> dict[tuple[EntryKind, int], TimelineEntry]:
    wanted: dict[EntryKind, list[int]] = {}
    for kind, entry_id in keys:
        wanted.setdefault(EntryKind(kind), []).append(entry_id)
    found: dict[tuple[EntryKind, int], TimelineEntry] = {}
    for kind, ids in wanted.items():
        if kind is EntryKind.RESPONSE:
            found.update(_responses(session, workspace_id=workspace_id, ids=ids))
            continue
        model = _SOURCES[kind]
        rows = session.scalars(
            select(model).where(model.workspace_id == workspace_id, model.id.in_(ids))
        )
        for row in rows:
            found[(kind, row.id)] = _entry(kind, row)
    return found


def _responses(
    session: Session, *, workspace_id: int, ids: list[int]
) -> dict[tuple[EntryKind, int], TimelineEntry]:
    """Survey responses with their survey's title and their NPS/CSAT/CES scores."""
    rows = session.execute(
        select(SurveyResponse, Survey.title_ar, Survey.title_en)
        .join(Survey, Survey.id == SurveyResponse.survey_id)
        .where(SurveyResponse.workspace_id == workspace_id, SurveyResponse.id.in_(ids))
    )
    scores = response_scores(session, workspace_id=workspace_id, response_ids=ids)
    return {
        (EntryKind.RESPONSE, response.id): TimelineEntry(
            kind=EntryKind.RESPONSE,
            id=response.id,
            at=response.submitted_at,
            channel_id=response.channel_id,
            touchpoint_id=response.touchpoint_id,
            language=response.language,
            survey_id=response.survey_id,
            survey_title_ar=title_ar,
            survey_title_en=title_en,
            scores=scores.get(response.id, {}),
        )
        for response, title_ar, title_en in rows
    }


def _entry(kind: EntryKind, row: Any) -> TimelineEntry:
    if kind is EntryKind.EVENT:
        return TimelineEntry(
            kind=kind,
            id=row.id,
            at=row.occurred_at,
            channel_id=row.channel_id,
            touchpoint_id=row.touchpoint_id,
            event_type=row.type,
            properties=row.properties,
        )
    if kind is EntryKind.TRANSACTION:
        return TimelineEntry(
            kind=kind,
            id=row.id,
            at=row.occurred_at,
            channel_id=row.channel_id,
            touchpoint_id=None,
            amount=row.amount,
            currency=row.currency,
            order_id=row.order_id,
            category=row.category,
        )
    return TimelineEntry(
        kind=kind,
        id=row.id,
        at=row.created_at,
        channel_id=row.channel_id,
        touchpoint_id=row.touchpoint_id,
        text=row.text,
        source=row.source,
        language=row.language,
        rating=row.rating,
        rating_scale_max=row.rating_scale_max,
    )
