"""Stored annotations: written on ingest by a job, swept up when missed, rescored resumably."""

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.config import Settings
from nabd.core.db import create_session_factory
from nabd.feedback.models import FeedbackItem
from nabd.feedback.service import record_feedback
from nabd.jobs.consumer import EmbeddedConsumer
from nabd.jobs.queue import configure_jobs
from nabd.text.annotations import AnnotationTopic, FeedbackAnnotation
from nabd.text.annotations_service import annotate_items
from nabd.text.annotator import annotator_for
from nabd.text.rescore import rescore_workspace, staleness_for
from nabd.text.tasks import sweep_unannotated
from nabd.workspaces.models import Workspace
from tests.events.factories import T0, bearer
from tests.factories import make_workspace
from tests.feedback.factories import add_feedback
from tests.jobs.fixtures import jobs_settings, queue, start_consumer  # noqa: F401
from tests.jobs.polling import wait_for

TEXTS = (
    "التوصيل تأخر ثلاثة أيام والموظف ما رد علي",
    "The staff were lovely but the wait was terrible",
    "الأسعار غالية جدا",
    "Great app, very fast checkout",
    "خدمة العملاء ممتازة وسريعة",
)


def _annotations(session: Session) -> dict[int, FeedbackAnnotation]:
    session.rollback()  # end the read snapshot, so rows committed by a job are seen
    rows = session.scalars(select(FeedbackAnnotation))
    return {row.feedback_item_id: row for row in rows}


def _items(session: Session, workspace: Workspace, count: int = len(TEXTS)) -> list[int]:
    return [
        add_feedback(session, workspace, TEXTS[index % len(TEXTS)], external_id=f"r-{index}").id
        for index in range(count)
    ]


def test_ingested_texts_are_annotated_by_the_background_job(
    client: TestClient,
    session: Session,
    jobs_settings: Settings,  # noqa: F811
    start_consumer: Callable[[], EmbeddedConsumer],  # noqa: F811
) -> None:
    configure_jobs(jobs_settings)
    workspace = make_workspace(session)
    items = [
        {
            "external_id": f"review-{index}",
            "source": "review",
            "text": text,
            "created_at": T0.isoformat(),
        }
        for index, text in enumerate(TEXTS)
    ]
    response = client.post(
        "/api/v1/feedback", json={"items": items}, headers=bearer(session, workspace)
    )
    assert response.json()["accepted"] == len(TEXTS)
    start_consumer()

    stored = wait_for(lambda: len(_annotations(session)) == len(TEXTS) and _annotations(session))
    annotator = annotator_for(session, workspace_id=workspace.id)
    by_text = {
        session.get(FeedbackItem, item_id).text: annotation
        for item_id, annotation in stored.items()
    }
    delivery = by_text[TEXTS[0]]
    assert delivery.model_version == annotator.model_version
    assert delivery.taxonomy_version == annotator.taxonomy_version
    assert delivery.language == "ar" and delivery.sentiment == "negative"
    assert "delivery" in [topic["topic"] for topic in delivery.topics]
    start, end = delivery.topics[0]["spans"][0]
    assert TEXTS[0][start:end] == "التوصيل"
    assert delivery.key_phrases and delivery.search_text.startswith("التوصيل")
    assert by_text[TEXTS[1]].sentiment == "mixed"
    assert by_text[TEXTS[1]].language == "en"
    topic_rows = session.scalars(
        select(AnnotationTopic.topic).where(
            AnnotationTopic.feedback_item_id == delivery.feedback_item_id
        )
    ).all()
    assert sorted(topic_rows) == sorted(topic["topic"] for topic in delivery.topics)


def test_one_job_per_transaction_carries_every_new_item_and_a_rollback_sends_none(
    session: Session,
    queue: Huey,  # noqa: F811
) -> None:
    workspace = make_workspace(session)
    ids = [
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="review",
            text=text,
            created_at=T0,
            external_id=f"r-{index}",
        )[0].id
        for index, text in enumerate(TEXTS[:3])
    ]
    # Each item is stored inside a SAVEPOINT: releasing one must not send the job early.
    assert queue.pending() == []
    session.commit()
    assert [(task.name, task.args) for task in queue.pending()] == [
        ("annotate_feedback", (workspace.id, ids))
    ]

    record_feedback(session, workspace_id=workspace.id, source="review", text="x", created_at=T0)
    session.rollback()
    assert len(queue.pending()) == 1


def test_the_sweeper_annotates_items_no_job_annotated(
    session: Session,
    queue: Huey,  # noqa: F811 - a queue without a consumer: the jobs never run
) -> None:
    workspace = make_workspace(session)
    other = make_workspace(session, "other")
    ids = _items(session, workspace, 3) + _items(session, other, 2)
    assert _annotations(session) == {}

    assert sweep_unannotated.call_local() == 5
    assert sorted(_annotations(session)) == sorted(ids)
    assert sweep_unannotated.call_local() == 0


def test_deleting_an_item_deletes_its_annotation(session: Session) -> None:
    workspace = make_workspace(session)
    item_id = _items(session, workspace, 1)[0]
    annotate_items(session, workspace_id=workspace.id, item_ids=[item_id])
    session.commit()
    assert session.scalar(select(func.count(AnnotationTopic.id))) > 0

    session.execute(delete(FeedbackItem).where(FeedbackItem.id == item_id))
    session.commit()
    assert _annotations(session) == {}
    assert session.scalar(select(func.count(AnnotationTopic.id))) == 0


class _Interrupted(Exception):
    pass


def test_rescore_resumes_after_an_interruption_without_duplicates(
    session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    ids = _items(session, workspace, 7)
    annotate_items(session, workspace_id=workspace.id, item_ids=ids[:5])
    # Five items annotated by an older model, two never annotated.
    session.execute(update(FeedbackAnnotation).values(model_version="linear/0.0.1"))
    session.commit()
    annotator = annotator_for(session, workspace_id=workspace.id)
    staleness = staleness_for(annotator)
    factory = create_session_factory(engine)

    def stop_after_first_batch(done: int) -> None:
        raise _Interrupted

    with pytest.raises(_Interrupted):
        rescore_workspace(
            factory,
            workspace_id=workspace.id,
            annotator=annotator,
            staleness=staleness,
            batch_size=3,
            on_batch=stop_after_first_batch,
        )
    current = [a for a in _annotations(session).values() if a.model_version != "linear/0.0.1"]
    assert sorted(a.feedback_item_id for a in current) == ids[:3]

    progress: list[int] = []
    assert (
        rescore_workspace(
            factory,
            workspace_id=workspace.id,
            annotator=annotator,
            staleness=staleness,
            batch_size=3,
            on_batch=progress.append,
        )
        == 4
    )
    assert progress == [3, 1]
    stored = _annotations(session)
    assert sorted(stored) == ids
    assert {a.model_version for a in stored.values()} == {staleness.model_version}
    assert session.scalar(select(func.count(FeedbackAnnotation.id))) == 7
    assert (
        rescore_workspace(
            factory, workspace_id=workspace.id, annotator=annotator, staleness=staleness
        )
        == 0
    )


def test_rescore_command_reports_progress_and_all_redoes_everything(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    _items(session, workspace, 4)
    environment = {"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)}

    first = CliRunner().invoke(cli, ["text", "rescore", "--workspace", "acme"], env=environment)
    assert first.exit_code == 0, first.output
    assert "Annotated 4 items" in first.output
    again = CliRunner().invoke(cli, ["text", "rescore", "--workspace", "acme"], env=environment)
    assert "Annotated 0 items" in again.output
    everything = CliRunner().invoke(
        cli, ["text", "rescore", "--workspace", "acme", "--all"], env=environment
    )
    assert everything.exit_code == 0, everything.output
    assert "Resume with: --annotated-before" in everything.output
    assert "Annotated 4 items" in everything.output
    assert len(_annotations(session)) == 4
    started = everything.output.split("--annotated-before ")[1].split()[0]
    resumed = CliRunner().invoke(
        cli,
        ["text", "rescore", "--workspace", "acme", "--all", "--annotated-before", started],
        env=environment,
    )
    assert "Annotated 0 items" in resumed.output, resumed.output
