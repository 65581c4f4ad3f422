"""Analysts' corrections of annotations: recorded, audited, applied, and fed to training.

A correction is appended to `text_corrections` (never overwritten: the latest per item and
field wins) and applied to the stored annotation at once, so the explorer's filters, summary
and API all see the corrected label. Re-annotation re-applies them (`apply_corrections`).
"""

from collections.abc import Mapping
from typing import Any, get_args

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from nabd.analytics.tasks import resync_topics_soon
from nabd.core.audit import Actor, record_audit
from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.feedback.errors import FeedbackItemNotFound
from nabd.feedback.models import FeedbackItem
from nabd.text.annotations import (
    CORRECTABLE_FIELDS,
    AnnotationTopic,
    FeedbackAnnotation,
    TextCorrection,
    topic_rows,
)
from nabd.text.annotator import Annotator
from nabd.text.intent import Emotion, Intent

SENTIMENT_VALUES = ("negative", "neutral", "positive", "mixed")
INTENT_VALUES: tuple[str, ...] = get_args(Intent)
EMOTION_VALUES: tuple[str, ...] = get_args(Emotion)


def topics_value(topic_ids: list[str]) -> str:
    """The stored form of a topic correction: the ids, comma-separated, in the given order."""
    return ",".join(topic_ids)


def topic_ids_of(value: str) -> list[str]:
    return [topic for topic in value.split(",") if topic]


def allowed_values(field: str, annotator: Annotator) -> tuple[str, ...]:
    """The labels an analyst may choose for `field` (topic ids for `topics`)."""
    if field == "sentiment":
        return SENTIMENT_VALUES
    if field == "intent":
        return INTENT_VALUES
    if field == "emotion":
        return EMOTION_VALUES
    return tuple(annotator.taxonomy.topic_ids)


def apply_corrections(values: dict[str, Any], corrected: Mapping[str, str]) -> dict[str, Any]:
    """The annotation columns with the latest corrections laid over the model's output.

    A corrected topic list keeps the model's sentiment and phrase spans for the topics it
    kept; a topic the analyst added takes the sentiment of the whole text and has no spans.
    """
    result = dict(values)
    for field in ("sentiment", "intent", "emotion"):
        if field in corrected:
            result[field] = corrected[field]
    if "topics" in corrected:
        found = {topic["topic"]: topic for topic in values.get("topics", [])}
        result["topics"] = [
            found.get(topic)
            or {
                "topic": topic,
                "sentiment": result["sentiment"],
                "score": result["sentiment_score"],
                "spans": [],
            }
            for topic in topic_ids_of(corrected["topics"])
        ]
    result["corrected_fields"] = sorted(corrected)
    return result


def latest_corrections(
    session: Session, *, workspace_id: int, item_ids: list[int]
) -> dict[int, dict[str, str]]:
    """For each item with corrections: field → the latest corrected value."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(TextCorrection.feedback_item_id, TextCorrection.field, TextCorrection.value)
        .where(
            TextCorrection.workspace_id == workspace_id,
            TextCorrection.feedback_item_id.in_(item_ids),
        )
        .order_by(TextCorrection.id)
    )
    latest: dict[int, dict[str, str]] = {}
    for item_id, field, value in rows:
        latest.setdefault(item_id, {})[field] = value
    return latest


def _checked(changes: Mapping[str, str], annotator: Annotator) -> dict[str, str]:
    details: list[ErrorDetail] = []
    for field, value in changes.items():
        if field not in CORRECTABLE_FIELDS:
            details.append(ErrorDetail(field=field, reason=N_("This field cannot be corrected.")))
            continue
        values = topic_ids_of(value) if field == "topics" else [value]
        allowed = allowed_values(field, annotator)
        if any(choice not in allowed for choice in values):
            details.append(ErrorDetail(field=field, reason=N_("Not one of the allowed values.")))
    if details:
        raise ValidationFailed(N_("The correction is not valid."), details=details)
    return dict(changes)


def correct_annotation(
    session: Session,
    *,
    workspace_id: int,
    feedback_item_id: int,
    changes: Mapping[str, str],
    annotator: Annotator,
    actor: Actor,
) -> int:
    """Record the fields whose value changes, audit them, apply them; returns how many changed."""
    item = session.get(FeedbackItem, feedback_item_id)
    if item is None or item.workspace_id != workspace_id:
        raise FeedbackItemNotFound(N_("Feedback item not found."))
    checked = _checked(changes, annotator)
    annotation = session.scalar(
        select(FeedbackAnnotation).where(
            FeedbackAnnotation.workspace_id == workspace_id,
            FeedbackAnnotation.feedback_item_id == feedback_item_id,
        )
    )
    changed = {
        field: value
        for field, value in checked.items()
        if annotation is None or current_value(annotation, field) != value
    }
    if not changed:
        return 0
    for field, value in changed.items():
        session.add(
            TextCorrection(
                workspace_id=workspace_id,
                feedback_item_id=feedback_item_id,
                field=field,
                value=value,
                user_id=actor.id if actor.kind == "user" else None,
            )
        )
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="feedback.correct",
        object_type="feedback_item",
        object_id=feedback_item_id,
        details={"changes": changed},
    )
    if annotation is not None:
        _apply_to_stored(session, annotation, {**_corrected_of(annotation), **changed})
        if "topics" in changed and item.source == "survey":
            # NPS by topic reads the snapshot's pairs: brought in step once this commits.
            resync_topics_soon(
                session, workspace_id=workspace_id, response_ids=[item.details["response_id"]]
            )
    return len(changed)


def current_value(annotation: FeedbackAnnotation, field: str) -> str | None:
    """The value of a correctable field as shown, in the form a correction stores it."""
    if field == "topics":
        return topics_value([topic["topic"] for topic in annotation.topics])
    value: str | None = getattr(annotation, field)
    return value


def _corrected_of(annotation: FeedbackAnnotation) -> dict[str, str]:
    return {
        field: value
        for field in annotation.corrected_fields
        if (value := current_value(annotation, field)) is not None
    }


def _apply_to_stored(
    session: Session, annotation: FeedbackAnnotation, corrected: Mapping[str, str]
) -> None:
    values = apply_corrections(
        {
            "sentiment": annotation.sentiment,
            "sentiment_score": annotation.sentiment_score,
            "intent": annotation.intent,
            "emotion": annotation.emotion,
            "topics": annotation.topics,
        },
        corrected,
    )
    for field, value in values.items():
        setattr(annotation, field, value)
    session.execute(
        delete(AnnotationTopic).where(
            AnnotationTopic.workspace_id == annotation.workspace_id,
            AnnotationTopic.feedback_item_id == annotation.feedback_item_id,
        )
    )
    rows = topic_rows(
        workspace_id=annotation.workspace_id,
        feedback_item_id=annotation.feedback_item_id,
        topics=annotation.topics,
    )
    if rows:
        session.execute(insert(AnnotationTopic), rows)


def corrections_for_training(session: Session, *, workspace_id: int) -> list[tuple[str, str, str]]:
    """(text, field, value) for the latest correction of each item and field, oldest first.

    Topic values are comma-separated topic ids (possibly empty: "none of the topics").
    """
    rows = session.execute(
        select(TextCorrection.feedback_item_id, TextCorrection.field, TextCorrection.value)
        .add_columns(FeedbackItem.text)
        .join(FeedbackItem, FeedbackItem.id == TextCorrection.feedback_item_id)
        .where(
            TextCorrection.workspace_id == workspace_id,
            FeedbackItem.workspace_id == workspace_id,
        )
        .order_by(TextCorrection.id)
    )
    latest: dict[tuple[int, str], tuple[str, str]] = {}
    for item_id, field, value, text in rows:
        latest.pop((item_id, field), None)  # re-insert, so the order is that of the last edit
        latest[(item_id, field)] = (text, value)
    return [(text, field, value) for (_, field), (text, value) in latest.items()]
