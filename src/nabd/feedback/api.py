"""JSON API for customer texts from any channel (reviews, tickets, chats …) and their analysis."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.params import ListResponse
from nabd.api.phone_region import PhoneRegion
from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from nabd.customers.profile import place_names
from nabd.events.api import RawBody, body_schema
from nabd.events.batch_requests import batch_result
from nabd.events.bodies import validate_body
from nabd.events.schemas import BatchResultOut
from nabd.feedback.ingest import ingest_feedback
from nabd.feedback.schemas import (
    AnnotationOut,
    FeedbackBatchIn,
    FeedbackIn,
    FeedbackItemOut,
    SentenceOut,
    SentimentOut,
    TopicOut,
)
from nabd.segments import service as segments
from nabd.text.explorer import (
    ExplorerEntry,
    FeedbackFilters,
    journey_touchpoints,
    list_feedback,
)
from nabd.web.locale import request_locale
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["feedback"])


@router.post("/feedback", openapi_extra=body_schema(FeedbackBatchIn))
def post_feedback(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.EVENTS_WRITE))],
    _region: PhoneRegion,
    body: RawBody,
) -> BatchResultOut:
    """Up to 1,000 texts, idempotent on (source, external_id)."""
    locale = request_locale(request)
    items, rejected = validate_body(
        body, envelope=FeedbackBatchIn, key="items", schema=FeedbackIn, locale=locale
    )
    outcome = ingest_feedback(session, workspace_id=principal.workspace_id, items=items)
    outcome.rejected.extend(rejected)
    return batch_result(outcome, locale)


Source = Literal["survey", "review", "social", "ticket", "chat", "call_note", "email"]
Sentiment = Literal["negative", "neutral", "positive", "mixed"]
DetectedLanguage = Literal["ar", "en", "mixed", "other"]
IntentName = Literal["complaint", "praise", "suggestion", "question", "other"]
EmotionName = Literal["anger", "joy", "sadness", "fear", "surprise", "trust", "none"]


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(
            N_("Invalid query parameters."),
            details=[ErrorDetail(name, N_("Must include a time zone offset."))],
        )
    return value


def _place_id(places: dict[int, Any], key: str | None) -> int | None:
    """The id of the channel or touchpoint with this key; -1 (matches nothing) if unknown."""
    if key is None:
        return None
    return next((place_id for place_id, place in places.items() if place.key == key), -1)


@router.get("/feedback")
def list_feedback_items(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.FEEDBACK_READ))],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    source: Source | None = None,
    channel: Annotated[str | None, Query(max_length=50)] = None,
    touchpoint: Annotated[str | None, Query(max_length=80)] = None,
    language: DetectedLanguage | None = None,
    sentiment: Sentiment | None = None,
    topic: Annotated[str | None, Query(max_length=64)] = None,
    intent: IntentName | None = None,
    emotion: EmotionName | None = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    segment_id: Annotated[int | None, Query(ge=1, description="Texts of its members")] = None,
    journey_id: Annotated[
        int | None, Query(ge=1, description="Only texts at the touchpoints of this journey.")
    ] = None,
    stage_id: Annotated[
        int | None, Query(ge=1, description="Only texts at the touchpoints of this stage.")
    ] = None,
) -> ListResponse[FeedbackItemOut]:
    """Texts from every source with their annotations, newest first; the explorer's filters.

    `language` is the detected one; `from` is inclusive and `to` exclusive; `q` matches
    every word, ignoring Arabic letter variants and diacritics. `journey_id`/`stage_id` keep
    the texts given at that journey's or stage's touchpoints (an unknown id is a 422).
    """
    segments.check_segment_filter(
        session, workspace_id=principal.workspace_id, segment_id=segment_id
    )
    journey_places = journey_touchpoints(
        session, workspace_id=principal.workspace_id, journey_id=journey_id, stage_id=stage_id
    )
    places = place_names(session, workspace_id=principal.workspace_id)
    filters = FeedbackFilters(
        source=source,
        channel_id=_place_id(places.channels, channel),
        touchpoint_id=_place_id(places.touchpoints, touchpoint),
        language=language,
        sentiment=sentiment,
        topic=topic,
        intent=intent,
        emotion=emotion,
        since=_aware(since, "from"),
        until=_aware(until, "to"),
        query=q,
        segment_id=segment_id,
        touchpoint_ids=journey_places,
    )
    page = list_feedback(
        session, workspace_id=principal.workspace_id, filters=filters, limit=limit, cursor=cursor
    )
    return ListResponse(
        items=[feedback_item_out(entry) for entry in page.items], next_cursor=page.next_cursor
    )


def feedback_item_out(entry: ExplorerEntry) -> FeedbackItemOut:
    item, annotation = entry.item, entry.annotation
    return FeedbackItemOut(
        id=item.id,
        source=item.source,
        external_id=item.external_id,
        customer_id=item.customer_id,
        channel_id=item.channel_id,
        touchpoint_id=item.touchpoint_id,
        text=item.text,
        language=item.language,
        rating=item.rating,
        rating_scale_max=item.rating_scale_max,
        created_at=item.created_at,
        annotation=None
        if annotation is None
        else AnnotationOut(
            model_version=annotation.model_version,
            taxonomy_version=annotation.taxonomy_version,
            language=annotation.language,
            sentiment=SentimentOut(label=annotation.sentiment, score=annotation.sentiment_score),
            topics=[TopicOut.model_validate(topic) for topic in annotation.topics],
            intent=annotation.intent,
            emotion=annotation.emotion,
            key_phrases=annotation.key_phrases,
            urgent=annotation.urgent,
            sentences=[SentenceOut.model_validate(sentence) for sentence in annotation.sentences],
            corrected_fields=annotation.corrected_fields,
            annotated_at=annotation.annotated_at,
        ),
    )
