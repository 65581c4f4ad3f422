"""Analysts' corrections: stored as a log, applied over the model, kept across rescoring."""

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, AuditLogEntry
from nabd.core.db import create_session_factory
from nabd.core.errors import NotFound, ValidationFailed
from nabd.text.annotations import AnnotationTopic, FeedbackAnnotation, TextCorrection
from nabd.text.annotations_service import Staleness, annotate_items
from nabd.text.annotator import annotator_for
from nabd.text.corrections import correct_annotation, corrections_for_training
from nabd.text.rescore import rescore_workspace
from tests.factories import make_member, make_workspace
from tests.feedback.factories import add_feedback

TEXT = "التوصيل تأخر ثلاثة أيام وخدمة سيئة جدا"


def _annotation(session: Session, item_id: int) -> FeedbackAnnotation:
    session.expire_all()
    return session.scalars(
        select(FeedbackAnnotation).where(FeedbackAnnotation.feedback_item_id == item_id)
    ).one()


def test_a_correction_is_stored_audited_applied_and_survives_rescoring(
    session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    analyst = make_member(session, workspace)
    actor = Actor(kind="user", label=analyst.email, id=analyst.user_id)
    item = add_feedback(session, workspace, TEXT)
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id])
    session.commit()
    annotator = annotator_for(session, workspace_id=workspace.id)
    assert _annotation(session, item.id).sentiment == "negative"

    changed = correct_annotation(
        session,
        workspace_id=workspace.id,
        feedback_item_id=item.id,
        changes={"sentiment": "neutral", "intent": "complaint", "topics": "delivery,price_value"},
        annotator=annotator,
        actor=actor,
    )
    session.commit()
    # The model already said "complaint": only real changes are recorded.
    assert changed == 2
    corrections = session.scalars(select(TextCorrection).order_by(TextCorrection.id)).all()
    assert [(c.field, c.value, c.user_id) for c in corrections] == [
        ("sentiment", "neutral", analyst.user_id),
        ("topics", "delivery,price_value", analyst.user_id),
    ]
    audit = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "feedback.correct")
    ).one()
    assert audit.object_id == str(item.id) and audit.actor_id == analyst.user_id
    corrected = _annotation(session, item.id)
    assert corrected.sentiment == "neutral"
    assert [topic["topic"] for topic in corrected.topics] == ["delivery", "price_value"]
    assert corrected.topics[0]["spans"] == [[0, 7]]  # the model's own phrase is kept
    assert corrected.topics[1]["spans"] == []
    assert corrected.corrected_fields == ["sentiment", "topics"]
    topic_rows = session.scalars(
        select(AnnotationTopic.topic).where(AnnotationTopic.feedback_item_id == item.id)
    ).all()
    assert sorted(topic_rows) == ["delivery", "price_value"]

    # A new model version re-annotates the item; the analyst's labels stay.
    rescored = rescore_workspace(
        create_session_factory(engine),
        workspace_id=workspace.id,
        annotator=annotator,
        staleness=Staleness(model_version="another/2", taxonomy_version="x"),
    )
    assert rescored == 1
    after = _annotation(session, item.id)
    assert after.sentiment == "neutral" and after.corrected_fields == ["sentiment", "topics"]
    assert [topic["topic"] for topic in after.topics] == ["delivery", "price_value"]

    assert corrections_for_training(session, workspace_id=workspace.id) == [
        (TEXT, "sentiment", "neutral"),
        (TEXT, "topics", "delivery,price_value"),
    ]


def test_the_latest_correction_wins_for_training(session: Session) -> None:
    workspace = make_workspace(session)
    actor = Actor(kind="cli", label="cli:test")
    item = add_feedback(session, workspace, TEXT)
    annotator = annotator_for(session, workspace_id=workspace.id)
    for label in ("positive", "mixed"):
        correct_annotation(
            session,
            workspace_id=workspace.id,
            feedback_item_id=item.id,
            changes={"sentiment": label},
            annotator=annotator,
            actor=actor,
        )
    session.commit()
    # Corrected before the first annotation: applied when it is written.
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id])
    session.commit()
    assert _annotation(session, item.id).sentiment == "mixed"
    assert corrections_for_training(session, workspace_id=workspace.id) == [
        (TEXT, "sentiment", "mixed")
    ]
    other = make_workspace(session, "other")
    assert corrections_for_training(session, workspace_id=other.id) == []


def test_unknown_values_and_other_workspaces_are_refused(session: Session) -> None:
    workspace = make_workspace(session)
    other = make_workspace(session, "other")
    item = add_feedback(session, workspace, TEXT)
    annotator = annotator_for(session, workspace_id=workspace.id)
    actor = Actor(kind="cli", label="cli:test")
    for changes in ({"sentiment": "furious"}, {"topics": "delivery,unicorns"}, {"text": "x"}):
        with pytest.raises(ValidationFailed):
            correct_annotation(
                session,
                workspace_id=workspace.id,
                feedback_item_id=item.id,
                changes=changes,
                annotator=annotator,
                actor=actor,
            )
    with pytest.raises(NotFound):
        correct_annotation(
            session,
            workspace_id=other.id,
            feedback_item_id=item.id,
            changes={"sentiment": "positive"},
            annotator=annotator,
            actor=actor,
        )
    assert session.scalars(select(TextCorrection)).all() == []
