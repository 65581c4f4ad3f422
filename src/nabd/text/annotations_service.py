"""Annotating feedback items and storing the result: one current annotation per item.

Every writer (the ingest job, the sweeper, `nabd text rescore`) goes through
`annotate_items`, which replaces whatever annotation an item had and re-applies the
analysts' corrections on top, so a human's label survives any number of re-scorings.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from nabd.core.types import utcnow
from nabd.feedback.models import FeedbackItem
from nabd.text.annotations import AnnotationTopic, FeedbackAnnotation, topic_rows
from nabd.text.annotator import Annotator, annotator_for
from nabd.text.corrections import apply_corrections, latest_corrections
from nabd.text.normalize import normalize_for_search
from nabd.text.pipeline import TextAnnotation

BATCH_SIZE = 500


def _annotation_values(annotation: TextAnnotation, text: str) -> dict[str, Any]:
    """The stored columns of one pipeline result (sentences as offsets: no copy of the text)."""
    return {
        "language": annotation.language,
        "sentiment": annotation.sentiment,
        "sentiment_score": annotation.sentiment_score,
        "topics": [
            {
                "topic": topic.topic,
                "sentiment": topic.sentiment,
                "score": topic.score,
                "spans": [list(span) for span in topic.spans],
            }
            for topic in annotation.topics
        ],
        "intent": annotation.intent,
        "emotion": annotation.emotion,
        "key_phrases": list(annotation.key_phrases),
        "urgent": annotation.urgent,
        "sentences": [
            {
                "start": sentence.start,
                "end": sentence.end,
                "sentiment": sentence.sentiment,
                "score": sentence.score,
            }
            for sentence in annotation.sentences
        ],
        "search_text": normalize_for_search(text),
    }


def annotate_items(
    session: Session,
    *,
    workspace_id: int,
    item_ids: Sequence[int],
    annotator: Annotator | None = None,
) -> int:
    """Annotate the workspace's items among `item_ids` and store the results; returns how many."""
    if not item_ids:
        return 0
    items = list(
        session.scalars(
            select(FeedbackItem)
            .where(FeedbackItem.workspace_id == workspace_id, FeedbackItem.id.in_(item_ids))
            .order_by(FeedbackItem.id)
        )
    )
    if not items:
        return 0
    annotator = annotator or annotator_for(session, workspace_id=workspace_id)
    results = annotator.annotate([item.text for item in items])
    ids = [item.id for item in items]
    corrections = latest_corrections(session, workspace_id=workspace_id, item_ids=ids)
    now = utcnow()
    rows = []
    for item, result in zip(items, results, strict=True):
        values = _annotation_values(result, item.text)
        rows.append(
            {
                **apply_corrections(values, corrections.get(item.id, {})),
                "workspace_id": workspace_id,
                "feedback_item_id": item.id,
                "model_version": annotator.model_version,
                "taxonomy_version": annotator.taxonomy_version,
                "annotated_at": now,
            }
        )
    _replace(session, workspace_id=workspace_id, item_ids=ids, rows=rows)
    return len(rows)


def _replace(
    session: Session, *, workspace_id: int, item_ids: list[int], rows: list[dict[str, Any]]
) -> None:
    for model in (FeedbackAnnotation, AnnotationTopic):
        session.execute(
            delete(model).where(
                model.workspace_id == workspace_id, model.feedback_item_id.in_(item_ids)
            )
        )
    session.execute(insert(FeedbackAnnotation), rows)
    topics = [
        topic_row
        for row in rows
        for topic_row in topic_rows(
            workspace_id=workspace_id,
            feedback_item_id=row["feedback_item_id"],
            topics=row["topics"],
        )
    ]
    if topics:
        session.execute(insert(AnnotationTopic), topics)


def _unannotated() -> ColumnElement[bool]:
    return ~(
        select(FeedbackAnnotation.id)
        .where(
            FeedbackAnnotation.workspace_id == FeedbackItem.workspace_id,
            FeedbackAnnotation.feedback_item_id == FeedbackItem.id,
        )
        .exists()
    )


def unannotated_ids(
    session: Session, *, workspace_id: int, item_ids: Sequence[int] | None = None, limit: int
) -> list[int]:
    """Items of the workspace with no annotation at all (optionally among `item_ids`)."""
    statement = select(FeedbackItem.id).where(
        FeedbackItem.workspace_id == workspace_id, _unannotated()
    )
    if item_ids is not None:
        statement = statement.where(FeedbackItem.id.in_(list(item_ids)))
    return list(session.scalars(statement.order_by(FeedbackItem.id).limit(limit)))


def workspaces_with_unannotated(session: Session) -> list[int]:
    """Every workspace that has at least one item without an annotation (for the sweeper)."""
    return list(
        session.scalars(
            select(FeedbackItem.workspace_id)
            .where(_unannotated())
            .group_by(FeedbackItem.workspace_id)
            .order_by(FeedbackItem.workspace_id)
        )
    )


@dataclass(frozen=True)
class Staleness:
    """What makes an annotation out of date: another model or taxonomy, or an older run."""

    model_version: str
    taxonomy_version: str
    annotated_before: datetime | None = None

    def condition(self) -> ColumnElement[bool]:
        stale = [
            FeedbackAnnotation.id.is_(None),
            FeedbackAnnotation.model_version != self.model_version,
            FeedbackAnnotation.taxonomy_version != self.taxonomy_version,
        ]
        if self.annotated_before is not None:
            stale.append(FeedbackAnnotation.annotated_at < self.annotated_before)
        return or_(*stale)


def _stale_items(workspace_id: int, staleness: Staleness) -> Any:
    return (
        select(FeedbackItem.id)
        .outerjoin(
            FeedbackAnnotation,
            (FeedbackAnnotation.workspace_id == FeedbackItem.workspace_id)
            & (FeedbackAnnotation.feedback_item_id == FeedbackItem.id),
        )
        .where(FeedbackItem.workspace_id == workspace_id, staleness.condition())
    )


def count_stale(session: Session, *, workspace_id: int, staleness: Staleness) -> int:
    stale = _stale_items(workspace_id, staleness).subquery()
    return session.scalar(select(func.count()).select_from(stale)) or 0


def stale_ids(
    session: Session, *, workspace_id: int, staleness: Staleness, after_id: int, limit: int
) -> list[int]:
    """The next `limit` stale items after `after_id`, in id order (a keyset batch)."""
    statement = (
        _stale_items(workspace_id, staleness)
        .where(FeedbackItem.id > after_id)
        .order_by(FeedbackItem.id)
        .limit(limit)
    )
    return list(session.scalars(statement))
