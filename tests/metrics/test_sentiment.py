"""The sentiment index through the engine equals the index of the stored annotations."""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.feedback.service import record_feedback
from nabd.journeys.service import ensure_channel
from nabd.metrics import estimates
from nabd.metrics.engine import MetricQuery, MetricResult, compute_metric
from nabd.text.annotations import FeedbackAnnotation
from nabd.text.annotations_service import annotate_items
from tests.factories import make_workspace
from tests.journeys.factories import make_journey, make_touchpoints

TEXTS = [
    ("2026-01-10", "الخدمة ممتازة والموظفون لطفاء جدًا"),
    ("2026-01-20", "Terrible delivery, the order arrived broken"),
    ("2026-02-03", "I love the new app, checkout was so easy"),
    ("2026-02-14", "لم يرد أحد على اتصالي وهذا سيئ جدًا"),
    ("2026-02-15", "The store was open at nine"),
]


def test_sentiment_index_equals_the_annotations(session: Session) -> None:
    workspace = make_workspace(session)
    web = ensure_channel(
        session, workspace_id=workspace.id, key="web", name_ar="ويب", name_en="Web"
    )
    items = [
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="review",
            text=text,
            created_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
            channel_id=web.id if index % 2 else None,
        )[0]
        for index, (day, text) in enumerate(TEXTS)
    ]
    session.flush()
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id for item in items])
    session.commit()
    rows = session.execute(
        select(FeedbackAnnotation.feedback_item_id, FeedbackAnnotation.sentiment)
    )
    labels = {item_id: label for item_id, label in rows}

    def metric(**kw: Any) -> MetricResult:
        query = MetricQuery(start=date(2026, 1, 1), end=date(2026, 12, 31), **kw)
        return compute_metric(session, workspace_id=workspace.id, metric="sentiment", query=query)

    everything = metric(group_by="month")
    expected = estimates.sentiment_index_from_labels(labels[item.id] for item in items)
    assert (everything.value, everything.n) == (expected.value, 5)
    assert [(g.key, g.n) for g in everything.groups] == [("2026-01", 2), ("2026-02", 3)]
    on_web = metric(channel="web")
    web_labels = [labels[item.id] for item in items if item.channel_id == web.id]
    assert on_web.value == estimates.sentiment_index_from_labels(web_labels).value


def test_a_journey_or_stage_keeps_the_texts_at_its_touchpoints(session: Session) -> None:
    workspace = make_workspace(session)
    store, checkout, call = make_touchpoints(session, workspace, ["store", "checkout", "call"])
    journey = make_journey(session, workspace, [("Visit", ["store"]), ("Pay", ["checkout"])])
    # The call centre is in no journey: its texts never count in the journey's index.
    places = [store, checkout, call, store, checkout]
    items = [
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="review",
            text=text,
            created_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
            touchpoint_id=place.id,
        )[0]
        for (day, text), place in zip(TEXTS, places, strict=True)
    ]
    session.flush()
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id for item in items])
    session.commit()
    rows = session.execute(
        select(FeedbackAnnotation.feedback_item_id, FeedbackAnnotation.sentiment)
    )
    labels = {item_id: label for item_id, label in rows}

    def index_at(*points: int) -> tuple[float | None, int]:
        kept = [labels[item.id] for item in items if item.touchpoint_id in points]
        expected = estimates.sentiment_index_from_labels(kept)
        return expected.value, len(kept)

    def metric(**kw: Any) -> tuple[float | None, int]:
        query = MetricQuery(start=date(2026, 1, 1), end=date(2026, 12, 31), **kw)
        found = compute_metric(session, workspace_id=workspace.id, metric="sentiment", query=query)
        return found.value, found.n

    assert metric(journey_id=journey.id) == index_at(store.id, checkout.id)
    pay = journey.stages[1].id
    assert metric(journey_id=journey.id, stage_id=pay) == index_at(checkout.id)
    assert metric(stage_id=pay) == index_at(checkout.id)
    assert metric() == index_at(store.id, checkout.id, call.id)
