"""The feedback explorer page and the analysts' correction form."""

from collections.abc import Collection
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import QueryParams

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.customers.profile import place_names
from nabd.feedback.models import FEEDBACK_SOURCES
from nabd.journeys import service as journeys
from nabd.segments import service as segments
from nabd.text.annotator import annotator_for
from nabd.text.corrections import (
    EMOTION_VALUES,
    INTENT_VALUES,
    SENTIMENT_VALUES,
    correct_annotation,
    topics_value,
)
from nabd.text.explorer import (
    FeedbackFilters,
    journey_touchpoints,
    list_feedback,
    monthly_trend,
    topic_summary,
)
from nabd.text.explorer_markup import highlighted
from nabd.web.locale import request_locale
from nabd.web.navigation import NavItem
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/feedback", dependencies=[Depends(check_csrf)], include_in_schema=False)

NAV_ITEMS = (NavItem("feedback", N_("Feedback"), "/feedback", Permission.FEEDBACK_READ),)

ReadFeedback = Annotated[Principal, Depends(require(Permission.FEEDBACK_READ))]
CorrectText = Annotated[Principal, Depends(require(Permission.TEXT_CORRECT))]

PAGE_SIZE = 50
INVALID_ID = N_("Must be a whole number.")
FILTER_FIELDS = (
    "q",
    "source",
    "channel_id",
    "touchpoint_id",
    "language",
    "sentiment",
    "topic",
    "intent",
    "emotion",
    "since",
    "until",
    "segment_id",
    "journey_id",
    "stage_id",
)
SOURCE_LABELS = {
    "survey": N_("Survey"),
    "review": N_("Review"),
    "social": N_("Social media"),
    "ticket": N_("Support ticket"),
    "chat": N_("Chat"),
    "call_note": N_("Call note"),
    "email": N_("E-mail"),
}
LANGUAGE_LABELS = {
    "ar": N_("Arabic"),
    "en": N_("English"),
    "mixed": N_("Mixed languages"),
    "other": N_("Other language"),
}
SENTIMENT_LABELS = {
    "positive": N_("Positive"),
    "neutral": N_("Neutral"),
    "negative": N_("Negative"),
    "mixed": N_("Mixed"),
}
INTENT_LABELS = {
    "complaint": N_("Complaint"),
    "praise": N_("Praise"),
    "suggestion": N_("Suggestion"),
    "question": N_("Question"),
    "other": N_("Other"),
}
EMOTION_LABELS = {
    "anger": N_("Anger"),
    "joy": N_("Joy"),
    "sadness": N_("Sadness"),
    "fear": N_("Fear or worry"),
    "surprise": N_("Surprise"),
    "trust": N_("Trust"),
    "none": N_("No clear emotion"),
}


def _choice(params: QueryParams, name: str, allowed: Collection[str]) -> str | None:
    value = params.get(name) or None
    return value if value is not None and value in allowed else None


def _number(params: QueryParams, name: str) -> int | None:
    value = params.get(name) or ""
    return int(value) if value.isdigit() else None


def _id(params: QueryParams, name: str) -> int | None:
    """A journey or stage id: empty is no filter, anything else not an id is refused."""
    value = params.get(name) or ""
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationFailed(INVALID_ID, details=[ErrorDetail(name, INVALID_ID)])
    return int(value)


def _day_start(params: QueryParams, name: str, zone: ZoneInfo) -> datetime | None:
    try:
        day = date.fromisoformat(params.get(name) or "")
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=zone)


def filters_from(
    params: QueryParams,
    *,
    topic_ids: list[str],
    zone: ZoneInfo,
    touchpoint_ids: list[int] | None = None,
) -> FeedbackFilters:
    """The explorer's filters from a query string; unknown values are ignored, not errors,
    except a journey or stage (resolved by the caller into `touchpoint_ids`), which is
    refused by name: ignoring it would list comments from outside the journey."""
    until = _day_start(params, "until", zone)
    return FeedbackFilters(
        source=_choice(params, "source", FEEDBACK_SOURCES),
        channel_id=_number(params, "channel_id"),
        touchpoint_id=_number(params, "touchpoint_id"),
        language=_choice(params, "language", LANGUAGE_LABELS),
        sentiment=_choice(params, "sentiment", SENTIMENT_VALUES),
        topic=_choice(params, "topic", topic_ids),
        intent=_choice(params, "intent", INTENT_VALUES),
        emotion=_choice(params, "emotion", EMOTION_VALUES),
        since=_day_start(params, "since", zone),
        until=until + timedelta(days=1) if until else None,
        query=(params.get("q") or "").strip() or None,
        segment_id=_number(params, "segment_id"),
        touchpoint_ids=touchpoint_ids,
    )


@router.get("")
def explorer(request: Request, session: DbSession, principal: ReadFeedback) -> Response:
    """Every text from every source; the filters live in the query string (bookmarkable)."""
    params = request.query_params
    workspace_id = principal.workspace_id
    locale = request_locale(request)
    annotator = annotator_for(session, workspace_id=workspace_id)
    topic_ids = annotator.taxonomy.topic_ids
    journey_places = journey_touchpoints(
        session,
        workspace_id=workspace_id,
        journey_id=_id(params, "journey_id"),
        stage_id=_id(params, "stage_id"),
    )
    filters = filters_from(
        params,
        topic_ids=topic_ids,
        zone=ZoneInfo(principal.workspace.time_zone),
        touchpoint_ids=journey_places,
    )
    page = list_feedback(
        session,
        workspace_id=workspace_id,
        filters=filters,
        limit=PAGE_SIZE,
        cursor=params.get("cursor") or None,
    )
    first_query = {key: value for key, value in params.items() if key != "cursor" and value}
    names = place_names(session, workspace_id=workspace_id)

    def topic_label(topic: str) -> str:
        return annotator.topic_label(topic, locale)

    return render_page(
        request,
        "text/explorer.html",
        {
            "entries": page.items,
            "summary": topic_summary(session, workspace_id=workspace_id, filters=filters),
            "trend": monthly_trend(session, workspace_id=workspace_id, filters=filters),
            "form": {key: params.get(key, "") for key in FILTER_FIELDS},
            "first_query": first_query,
            "next_query": {**first_query, "cursor": page.next_cursor} if page.next_cursor else None,
            "is_first_page": not params.get("cursor"),
            "highlighted": lambda entry: highlighted(
                entry.item.text, entry.annotation.topics if entry.annotation else [], topic_label
            ),
            "topic_label": topic_label,
            "topic_ids": topic_ids,
            "topics_value": topics_value,
            "channels": sorted(names.channels.values(), key=lambda channel: channel.key),
            "touchpoints": sorted(names.touchpoints.values(), key=lambda point: point.key),
            "channel_name": lambda channel_id: names.channel_name(channel_id, locale),
            "touchpoint_name": lambda touchpoint_id: names.touchpoint_name(touchpoint_id, locale),
            "journeys": journeys.list_journeys(session, workspace_id=workspace_id),
            "segments": segments.list_segments(session, workspace_id=workspace_id)
            if principal.can(Permission.SEGMENTS_READ)
            else [],
            "source_labels": SOURCE_LABELS,
            "language_labels": LANGUAGE_LABELS,
            "sentiment_labels": SENTIMENT_LABELS,
            "intent_labels": INTENT_LABELS,
            "emotion_labels": EMOTION_LABELS,
            "can_correct": principal.can(Permission.TEXT_CORRECT),
            "can_manage_topics": principal.can(Permission.TEXT_TOPICS_MANAGE),
        },
    )


@router.post("/{feedback_item_id}/corrections")
def correct(
    request: Request,
    session: DbSession,
    principal: CorrectText,
    feedback_item_id: int,
    sentiment: Annotated[str | None, Form()] = None,
    intent: Annotated[str | None, Form()] = None,
    emotion: Annotated[str | None, Form()] = None,
    topics: Annotated[list[str] | None, Form()] = None,
    topics_shown: Annotated[bool, Form()] = False,
    back: Annotated[str, Form()] = "",
) -> Response:
    """Fields left out of the form are not corrected; an empty topic list means "no topic"."""
    changes = {
        field: value
        for field, value in (("sentiment", sentiment), ("intent", intent), ("emotion", emotion))
        if value
    }
    if topics_shown:
        changes["topics"] = topics_value(topics or [])
    annotator = annotator_for(session, workspace_id=principal.workspace_id)
    changed = correct_annotation(
        session,
        workspace_id=principal.workspace_id,
        feedback_item_id=feedback_item_id,
        changes=changes,
        annotator=annotator,
        actor=principal.actor,
    )
    if changed:
        flash(request, N_("Correction saved."))
    else:
        flash(request, N_("Nothing changed."), level="info")
    query = back if back.startswith("?") else ""
    return RedirectResponse(f"/feedback{query}#item-{feedback_item_id}", status_code=303)
