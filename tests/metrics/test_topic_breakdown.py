"""Survey metrics broken down by the topics of the responses' own comments, from the snapshot."""

import random
import shutil
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.analytics import tasks as analytics_tasks
from nabd.analytics import topic_pairs
from nabd.analytics.erasure import forget_customer
from nabd.analytics.layout import month_dir, part_files, part_name, workspace_dir, workspace_lock
from nabd.analytics.query import Snapshot
from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory
from nabd.customers.privacy import erase_customer
from nabd.feedback.models import FeedbackItem
from nabd.journeys import service as journeys
from nabd.metrics import estimates
from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.metrics.errors import InvalidMetricQuery
from nabd.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn
from nabd.text.annotations import AnnotationTopic
from nabd.text.annotations_service import annotate_items
from nabd.text.annotator import annotator_for
from nabd.text.corrections import correct_annotation, topics_value
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.customers.factories import make_customer
from tests.factories import make_token, make_workspace
from tests.surveys.factories import make_survey

START, END = date(2026, 1, 1), date(2026, 12, 31)
SUBMITTED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SURVEY: dict[str, Any] = {
    "title": {"ar": "رأيك يهمنا", "en": "Your opinion"},
    "status": "active",
    "questions": [
        {"key": "nps", "type": "nps", "text": {"ar": "هل توصي بنا؟", "en": "Recommend us?"}},
        {"key": "csat", "type": "csat", "text": {"ar": "هل أنت راضٍ؟", "en": "Satisfied?"}},
        {"key": "why", "type": "text", "text": {"ar": "لماذا؟", "en": "Why?"}},
        {"key": "more", "type": "text", "text": {"ar": "شيء آخر؟", "en": "Anything else?"}},
    ],
}
# Comments naming no topic, one, or two; "delivery" twice in one response counts once.
COMMENTS = (
    None,
    "Thank you",
    "The delivery was late",
    "Prices are too high",
    "The app keeps crashing",
    "The staff were rude and the delivery was late",
    "التوصيل تأخر ثلاثة أيام",
    "السعر مرتفع جدا",
)
ScoreReader = Callable[[Iterable[int]], estimates.MetricEstimate]


def _survey(session: Session, workspace: Workspace) -> Survey:
    journeys.ensure_channel(
        session, workspace_id=workspace.id, key="app", name_ar="التطبيق", name_en="App"
    )
    return make_survey(session, workspace, SURVEY)


def _respond(
    session: Session,
    survey: Survey,
    *,
    customer: str | None,
    nps: int,
    csat: int,
    comments: tuple[str | None, str | None],
    at: datetime = SUBMITTED,
) -> None:
    questions = {question.key: question.id for question in survey.questions}
    answers: list[dict[str, Any]] = [
        {"question_id": questions["nps"], "value": nps},
        {"question_id": questions["csat"], "value": csat},
    ]
    for key, comment in zip(("why", "more"), comments, strict=True):
        if comment:
            answers.append({"question_id": questions[key], "value": comment})
    record_response(
        session,
        survey=survey,
        data=ResponseIn.model_validate(
            {
                "customer": {"external_id": customer} if customer else None,
                "answers": answers,
                "channel": "app",
                "language": "ar",
                "submitted_at": at,
            }
        ),
        default_language="ar",
    )


def _seed(session: Session, workspace: Workspace, *, count: int = 80, seed: int = 11) -> list[int]:
    """`count` responses (some anonymous) with random comments, annotated; the customer ids."""
    randomness = random.Random(seed)
    survey = _survey(session, workspace)
    customers = [
        make_customer(session, workspace, f"عميل {index}", external_id=f"c-{index}").id
        for index in range(count // 4)
    ]
    for index in range(count):
        _respond(
            session,
            survey,
            customer=None if index % 5 == 0 else f"c-{index % len(customers)}",
            nps=randomness.randrange(0, 11),
            csat=randomness.randrange(1, 6),
            comments=(randomness.choice(COMMENTS), randomness.choice(COMMENTS)),
            at=SUBMITTED - timedelta(days=randomness.randrange(0, 100)),
        )
    # Two texts of one response naming the same topic.
    _respond(
        session,
        survey,
        customer="c-0",
        nps=3,
        csat=2,
        comments=("The delivery was late", "التوصيل تأخر ثلاثة أيام"),
    )
    session.commit()
    items = session.scalars(
        select(FeedbackItem.id).where(FeedbackItem.workspace_id == workspace.id)
    )
    annotate_items(session, workspace_id=workspace.id, item_ids=list(items))
    session.commit()
    return customers


def _refresh(session: Session, settings: Settings, workspace: Workspace) -> None:
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()


def _direct_scores(
    session: Session, workspace: Workspace, kind: str, responses: Collection[int] | None = None
) -> dict[str, list[int]]:
    """Per topic, the `kind` scores of responses (all, or these) with a comment carrying it,
    read from the database without the snapshot: the definition, spelled out."""
    in_workspace = FeedbackItem.workspace_id == workspace.id
    response_of = {
        item.id: item.details["response_id"]
        for item in session.scalars(select(FeedbackItem).where(in_workspace))
    }
    topics_of: defaultdict[int, set[str]] = defaultdict(set)
    for row in session.scalars(
        select(AnnotationTopic).where(AnnotationTopic.workspace_id == workspace.id)
    ):
        topics_of[response_of[row.feedback_item_id]].add(row.topic)
    scores = session.execute(
        select(SurveyAnswer.response_id, SurveyAnswer.number)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyAnswer.workspace_id == workspace.id, SurveyQuestion.type == kind)
    )
    by_topic: defaultdict[str, list[int]] = defaultdict(list)
    for response_id, number in scores:
        if responses is not None and response_id not in responses:
            continue
        for topic in topics_of[response_id]:
            by_topic[topic].append(number)
    return by_topic


def _all_scores(session: Session, workspace: Workspace, kind: str) -> list[int]:
    return list(
        session.scalars(
            select(SurveyAnswer.number)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(SurveyAnswer.workspace_id == workspace.id, SurveyQuestion.type == kind)
        )
    )


def _by_topic(session: Session, settings: Settings, workspace: Workspace, metric: str) -> Any:
    return compute_metric(
        session,
        workspace_id=workspace.id,
        metric=metric,
        query=MetricQuery(start=START, end=END, group_by="topic"),
        settings=settings,
    )


def _assert_equal_to_direct(
    session: Session, settings: Settings, workspace: Workspace, metric: str, kind: str
) -> None:
    reader: ScoreReader = {
        "nps": estimates.nps_from_scores,
        "csat": estimates.csat_from_scores,
    }[metric]
    result = _by_topic(session, settings, workspace, metric)
    direct = _direct_scores(session, workspace, kind)
    groups = {group.key: group for group in result.groups}
    assert set(groups) == set(direct)
    for topic, scores in direct.items():
        expected = reader(scores)
        assert groups[topic].n == expected.n > 0, topic
        assert groups[topic].value == pytest.approx(expected.value), topic
        assert groups[topic].margin_of_error == pytest.approx(expected.margin_of_error), topic
    # Each answer counts once in the total, with or without topics, however many it has.
    total = reader(_all_scores(session, workspace, kind))
    assert (result.n, result.value) == (total.n, pytest.approx(total.value))


def test_each_topics_nps_and_csat_equal_a_direct_computation(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace)
    _refresh(session, settings, workspace)
    direct = _direct_scores(session, workspace, "nps")
    # The fixture is what it means to be: several topics, and groups that overlap.
    assert {"delivery", "price_value", "app_website", "staff_behaviour"} <= set(direct)
    assert sum(len(scores) for scores in direct.values()) > len(
        _all_scores(session, workspace, "nps")
    )
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")
    _assert_equal_to_direct(session, settings, workspace, "csat", "csat")


def _correct_topics(
    session: Session, workspace: Workspace, item_id: int, topics: list[str]
) -> None:
    correct_annotation(
        session,
        workspace_id=workspace.id,
        feedback_item_id=item_id,
        changes={"topics": topics_value(topics)},
        annotator=annotator_for(session, workspace_id=workspace.id),
        actor=SYSTEM_ACTOR,
    )


def _an_item_about(session: Session, topic: str) -> int:
    item_id = session.scalars(
        select(AnnotationTopic.feedback_item_id).where(AnnotationTopic.topic == topic)
    ).first()
    assert item_id is not None
    return item_id


def test_new_annotations_and_corrections_arrive_at_the_next_refresh(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace, count=40)
    _refresh(session, settings, workspace)
    # Re-annotating every text replaces its topic rows: appended again, counted once.
    items = list(session.scalars(select(FeedbackItem.id)))
    annotate_items(session, workspace_id=workspace.id, item_ids=items)
    session.commit()
    _refresh(session, settings, workspace)
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")
    # The repeats were not written: each (answer, topic) is stored once, as the slices count.
    stored = Snapshot.of(settings, workspace.id).scan("survey_score_topics").collect()
    assert stored.height == stored.select("answer_id", "topic").unique().height > 0
    # An analyst moves one comment from delivery to cleanliness, in a process with no queue
    # (no job after the commit): the next refresh applies it, the removal included.
    _correct_topics(session, workspace, _an_item_about(session, "delivery"), ["cleanliness"])
    session.commit()
    _refresh(session, settings, workspace)
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")
    _assert_equal_to_direct(session, settings, workspace, "csat", "csat")
    # The nightly rebuild agrees.
    refresh_snapshot(
        session,
        root=settings.resolved_analytics_dir,
        workspace_id=workspace.id,
        settle_seconds=0,
        rebuild=True,
    )
    session.commit()
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")


@pytest.fixture
def resync_at_commit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[list[int]]]:
    """The resync job run in-process when it is sent (after the commit); the responses sent."""
    sent: list[list[int]] = []

    def run(workspace_id: int, response_ids: list[int]) -> None:
        sent.append(response_ids)
        root = settings.resolved_analytics_dir
        with workspace_lock(root, workspace_id), session_factory() as job_session:
            topic_pairs.resync_responses(job_session, root, workspace_id, response_ids)

    engine = create_db_engine(settings.resolved_database_url)
    session_factory = create_session_factory(engine)
    monkeypatch.setattr(analytics_tasks, "has_queue", lambda: True)
    monkeypatch.setattr(analytics_tasks, "resync_topics_in_snapshot", run)
    yield sent
    engine.dispose()


def test_a_correction_reaches_the_topic_breakdown_when_it_commits(
    session: Session, settings: Settings, resync_at_commit: list[list[int]]
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace, count=40)
    _refresh(session, settings, workspace)
    before = {g.key: g.n for g in _by_topic(session, settings, workspace, "nps").groups}
    # Removed and added in one correction; a rolled-back one sends nothing.
    item_id = _an_item_about(session, "delivery")
    _correct_topics(session, workspace, item_id, ["cleanliness"])
    session.rollback()
    assert resync_at_commit == []
    _correct_topics(session, workspace, item_id, ["cleanliness"])
    session.commit()
    assert len(resync_at_commit) == 1
    # No refresh: the snapshot's pairs already agree with the database.
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")
    _assert_equal_to_direct(session, settings, workspace, "csat", "csat")
    after = {g.key: g.n for g in _by_topic(session, settings, workspace, "nps").groups}
    assert after["delivery"] < before["delivery"]
    assert after["cleanliness"] > before.get("cleanliness", 0)
    # Idempotent: the same job again, or the refresh that also applies it, changes nothing.
    stored = Snapshot.of(settings, workspace.id).scan("survey_score_topics").collect()
    with workspace_lock(settings.resolved_analytics_dir, workspace.id):
        topic_pairs.resync_responses(
            session, settings.resolved_analytics_dir, workspace.id, resync_at_commit[0]
        )
    _refresh(session, settings, workspace)
    again = Snapshot.of(settings, workspace.id).scan("survey_score_topics").collect()
    assert again.sort("answer_id", "topic").equals(stored.sort("answer_id", "topic"))
    assert again.height == again.select("answer_id", "topic").unique().height


def test_a_topic_added_in_a_month_that_had_none_arrives_at_once(
    session: Session, settings: Settings, resync_at_commit: list[list[int]]
) -> None:
    workspace = make_workspace(session)
    survey = _survey(session, workspace)
    _respond(
        session, survey, customer=None, nps=9, csat=5, comments=("The delivery was late", None)
    )
    _respond(
        session,
        survey,
        customer=None,
        nps=2,
        csat=1,
        comments=("Thank you", None),
        at=SUBMITTED - timedelta(days=62),
    )
    session.commit()
    items = list(session.scalars(select(FeedbackItem.id).order_by(FeedbackItem.id)))
    annotate_items(session, workspace_id=workspace.id, item_ids=items)
    session.commit()
    _refresh(session, settings, workspace)
    _correct_topics(session, workspace, items[1], ["price_value"])
    session.commit()
    groups = {g.key: g.n for g in _by_topic(session, settings, workspace, "nps").groups}
    assert groups["price_value"] == 1
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")
    # The part written for that month is not mistaken for an interrupted refresh's leftover.
    _refresh(session, settings, workspace)
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")


def test_an_erased_customers_topics_leave_with_their_comments(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    customers = _seed(session, workspace, count=40)
    _refresh(session, settings, workspace)
    before = sum(group.n for group in _by_topic(session, settings, workspace, "nps").groups)
    erase_customer(session, workspace_id=workspace.id, customer_id=customers[0], actor=SYSTEM_ACTOR)
    session.commit()
    forget_customer(settings, workspace_id=workspace.id, customer_id=customers[0])
    # At once, before any refresh: the snapshot agrees with the database again.
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")
    after = sum(group.n for group in _by_topic(session, settings, workspace, "nps").groups)
    assert after < before


def test_a_topic_breakdown_takes_the_window_and_survey_filters(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace, count=40)
    other = _survey(session, workspace)
    for nps in (0, 10):
        _respond(session, other, customer=None, nps=nps, csat=1, comments=(COMMENTS[2], None))
    session.commit()
    items = session.scalars(
        select(FeedbackItem.id).where(FeedbackItem.workspace_id == workspace.id)
    )
    annotate_items(session, workspace_id=workspace.id, item_ids=list(items))
    session.commit()
    _refresh(session, settings, workspace)
    first = session.scalars(
        select(Survey.id).where(Survey.workspace_id == workspace.id, Survey.id != other.id)
    ).one()
    since = SUBMITTED.date() - timedelta(days=30)
    result = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="nps",
        query=MetricQuery(start=since, end=END, survey_id=first, group_by="topic"),
        settings=settings,
    )
    kept = session.scalars(
        select(SurveyResponse.id).where(
            SurveyResponse.workspace_id == workspace.id,
            SurveyResponse.survey_id == first,
            SurveyResponse.submitted_at >= datetime.combine(since, datetime.min.time(), UTC),
        )
    ).all()
    direct = _direct_scores(session, workspace, "nps", set(kept))
    # Some responses fall outside: the filters do cut the groups.
    everything = select(SurveyResponse.id).where(SurveyResponse.workspace_id == workspace.id)
    assert 0 < len(kept) < len(session.scalars(everything).all()) - 2
    assert {group.key: group.n for group in result.groups} == {
        topic: len(scores) for topic, scores in direct.items()
    }


def test_without_annotations_the_groups_are_empty(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    survey = _survey(session, workspace)
    _respond(
        session, survey, customer=None, nps=9, csat=5, comments=("The delivery was late", None)
    )
    session.commit()
    _refresh(session, settings, workspace)
    result = _by_topic(session, settings, workspace, "nps")
    assert (result.n, result.value, result.groups) == (1, 100.0, [])


def test_other_metrics_refuse_a_topic_breakdown(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    for metric in ("churn_rate", "response_rate", "sentiment"):
        with pytest.raises(InvalidMetricQuery) as caught:
            _by_topic(session, settings, workspace, metric)
        assert caught.value.details[0].field == "group_by"


def test_the_api_groups_by_topic_with_the_other_filters(
    client: TestClient, session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace, count=40)
    _refresh(session, settings, workspace)
    _, token = make_token(session, workspace, Role.VIEWER)
    headers = {"Authorization": f"Bearer {token}"}
    window = {"from": START.isoformat(), "to": END.isoformat(), "group_by": "topic"}
    for metric in ("nps", "csat", "ces"):
        response = client.get(f"/api/v1/metrics/{metric}", params=window, headers=headers)
        assert response.status_code == 200, response.text
    nps = client.get("/api/v1/metrics/nps", params=window, headers=headers).json()
    expected = _direct_scores(session, workspace, "nps")
    assert {group["key"]: group["n"] for group in nps["groups"]} == {
        topic: len(scores) for topic, scores in expected.items()
    }
    # The app channel is every answer's; the web channel does not exist in this workspace.
    on_app = client.get(
        "/api/v1/metrics/nps", params={**window, "channel": "app"}, headers=headers
    ).json()
    assert on_app["groups"] == nps["groups"]
    for field, value in (("channel", "web"), ("journey_id", "99999"), ("segment_id", "99999")):
        refused = client.get(
            "/api/v1/metrics/nps", params={**window, field: value}, headers=headers
        )
        assert refused.status_code == 422, field
        assert refused.json()["error"]["details"][0]["field"].endswith(field)


def test_a_correction_is_not_written_into_a_part_the_next_refresh_removes(
    session: Session, settings: Settings, resync_at_commit: list[list[int]]
) -> None:
    workspace = make_workspace(session)
    survey = _survey(session, workspace)
    # The correction renews the first comment's topic rows; the second's keep their old ids.
    comments = ("The delivery was late", "Prices are too high")
    _respond(session, survey, customer=None, nps=9, csat=5, comments=comments)
    session.commit()
    items = list(session.scalars(select(FeedbackItem.id).order_by(FeedbackItem.id)))
    annotate_items(session, workspace_id=workspace.id, item_ids=items)
    session.commit()
    _refresh(session, settings, workspace)
    # What a refresh that died before committing its watermark leaves in the month.
    folder = month_dir(
        workspace_dir(settings.resolved_analytics_dir, workspace.id) / "survey_score_topics",
        "2026-06",
    )
    (recorded,) = part_files(folder)
    shutil.copy(recorded.path, folder / part_name(recorded.last_id + 1, recorded.last_id + 9))
    _correct_topics(session, workspace, items[0], ["delivery", "cleanliness"])
    session.commit()
    _refresh(session, settings, workspace)  # removes the leftover, keeps the correction
    _assert_equal_to_direct(session, settings, workspace, "nps", "nps")
