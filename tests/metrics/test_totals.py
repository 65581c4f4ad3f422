"""`compute_totals` (a dashboard's tiles: several metrics over its period and the one before)
gives exactly what `compute_metric` gives for each, with fewer reads."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.events import service as events
from nabd.feedback.service import record_feedback
from nabd.journeys import service as journeys
from nabd.metrics import workspace_settings
from nabd.metrics.engine import (
    MetricQuery,
    Places,
    compute_breakdowns,
    compute_metric,
    compute_totals,
)
from nabd.metrics.errors import InvalidMetricQuery, UnknownMetric
from nabd.text.annotations_service import annotate_items
from nabd.workspaces.models import Workspace
from tests.analytics.seed import seed_spine
from tests.factories import make_workspace
from tests.journeys.factories import make_journey
from tests.metrics.factories import TOUCHPOINT, answer, make_cx_survey
from tests.query_counter import count_queries
from tests.segments.factories import RIYADH, make_people, make_segment

CURRENT = MetricQuery(start=date(2026, 11, 1), end=date(2026, 11, 30))
PREVIOUS = MetricQuery(start=date(2026, 10, 2), end=date(2026, 10, 31))
SURVEY_METRICS = ("nps", "csat", "csat_mean", "ces", "ces_agree")


def _one_at_a_time(
    session: Session, workspace_id: int, metrics: tuple[str, ...], queries: list[MetricQuery]
) -> dict[str, list[object]]:
    return {
        metric: [
            compute_metric(session, workspace_id=workspace_id, metric=metric, query=query)
            for query in queries
        ]
        for metric in metrics
    }


def _answers(session: Session, workspace: Workspace) -> int:
    """Answers in both periods, between them and outside, on two channels and languages;
    returns the survey's id."""
    survey = make_cx_survey(session, workspace)
    moments = [
        (datetime(2026, 11, 30, 23, 59, tzinfo=UTC), "web", "ar", (10, 5, 7)),
        (datetime(2026, 11, 1, 0, 0, tzinfo=UTC), "app", "en", (3, 2, 2)),
        (datetime(2026, 11, 15, 12, tzinfo=UTC), "web", "en", (8, 4, 5)),
        (datetime(2026, 10, 31, 23, 59, tzinfo=UTC), "web", "ar", (9, 1, 6)),
        (datetime(2026, 10, 2, 0, 0, tzinfo=UTC), None, "ar", (6, 3, 1)),
        (datetime(2026, 10, 1, 23, 59, tzinfo=UTC), "app", "ar", (0, 5, 7)),
        (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), "web", "ar", (10, 5, 7)),
    ]
    for at, channel, language, (nps, csat, ces) in moments:
        answer(
            session,
            survey,
            at=at,
            scores={"nps": nps, "csat": csat, "ces": ces},
            channel=channel,
            language=language,
        )
    items = [
        record_feedback(
            session, workspace_id=workspace.id, source="review", text=text, created_at=at
        )[0]
        for text, at in [
            ("Delivery was fast and the staff were great", datetime(2026, 11, 3, tzinfo=UTC)),
            ("Terrible delivery, the order arrived broken", datetime(2026, 11, 20, tzinfo=UTC)),
            ("I love the new app", datetime(2026, 10, 12, tzinfo=UTC)),
        ]
    ]
    session.flush()
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id for item in items])
    session.commit()
    return survey.id


def test_survey_and_sentiment_totals_equal_one_metric_at_a_time(
    session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    survey_id = _answers(session, workspace)
    for slice_ in (
        {},
        {"channel": "web"},
        {"language": "en"},
        {"touchpoint": TOUCHPOINT, "channel": "app"},
        {"survey_id": survey_id},
    ):
        queries = [replace(CURRENT, **slice_), replace(PREVIOUS, **slice_)]
        metrics = SURVEY_METRICS if "survey_id" in slice_ else (*SURVEY_METRICS, "sentiment")
        totals = compute_totals(
            session, workspace_id=workspace.id, metrics=metrics, queries=queries
        )
        assert totals == _one_at_a_time(session, workspace.id, metrics, queries), slice_
    assert (
        compute_totals(session, workspace_id=workspace.id, metrics=["nps"], queries=[CURRENT])[
            "nps"
        ][0].n
        == 3
    )
    # Every survey metric of both periods from one read of the rollups.
    places = Places(session, workspace_id=workspace.id)
    with count_queries(engine) as counted:
        compute_totals(
            session,
            workspace_id=workspace.id,
            metrics=SURVEY_METRICS,
            queries=[CURRENT, PREVIOUS],
            places=places,
        )
    assert counted.count == 1


def test_snapshot_totals_equal_one_metric_at_a_time(
    session: Session, settings: Settings, engine: Engine
) -> None:
    workspace = make_workspace(session)
    spine = seed_spine(session, workspace)
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {
                "customer_id": spine.customer_ids[1],
                "type": kind,
                "occurred_at": datetime(2026, 2, 10, 9, tzinfo=UTC) + timedelta(days=offset),
                "properties": {},
            }
            for kind, offset in [("add_to_cart", 0), ("churned", 40)]
        ],
    )
    workspace_settings.set_churn_inactive_days(
        session, workspace_id=workspace.id, days=20, actor=SYSTEM_ACTOR
    )
    session.commit()
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    metrics = ("churn_rate", "retention", "repeat_customers", "purchase_completion")
    queries = [
        MetricQuery(start=date(2026, 3, 1), end=date(2026, 3, 31)),
        MetricQuery(start=date(2026, 1, 29), end=date(2026, 2, 28)),
        MetricQuery(start=date(2025, 12, 1), end=date(2026, 1, 15)),
    ]
    expected = {
        metric: [
            compute_metric(
                session, workspace_id=workspace.id, metric=metric, query=query, settings=settings
            )
            for query in queries
        ]
        for metric in metrics
    }
    assert any(result.n for result in expected["churn_rate"])
    with count_queries(engine) as counted:
        totals = compute_totals(
            session,
            workspace_id=workspace.id,
            metrics=metrics,
            queries=queries,
            settings=settings,
        )
    assert totals == expected
    assert counted.count == 1  # the workspace's churn window, once for every period


def test_a_segment_slice_comes_from_the_snapshot_as_one_metric_would(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    make_people(session, workspace, count=30)
    segment = make_segment(session, workspace, RIYADH)
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    queries = [
        MetricQuery(start=date(2026, 6, 1), end=date(2026, 12, 1), segment_id=segment.id),
        MetricQuery(start=date(2025, 12, 1), end=date(2026, 5, 31), segment_id=segment.id),
    ]
    totals = compute_totals(
        session,
        workspace_id=workspace.id,
        metrics=["nps", "csat"],
        queries=queries,
        settings=settings,
    )
    assert totals["nps"][0].n + totals["nps"][1].n > 0
    assert totals == {
        metric: [
            compute_metric(
                session, workspace_id=workspace.id, metric=metric, query=query, settings=settings
            )
            for query in queries
        ]
        for metric in ("nps", "csat")
    }


def test_totals_refuse_what_one_metric_refuses(session: Session) -> None:
    workspace = make_workspace(session)
    make_cx_survey(session, workspace)

    def totals(metrics: list[str], queries: list[MetricQuery]) -> object:
        return compute_totals(session, workspace_id=workspace.id, metrics=metrics, queries=queries)

    with pytest.raises(UnknownMetric):
        totals(["loyalty"], [CURRENT])
    for metrics, queries, field in [
        (["nps"], [CURRENT, replace(PREVIOUS, start=date(2026, 11, 1))], "to"),
        (["churn_rate"], [replace(CURRENT, channel="web")], "channel"),
        (["nps"], [replace(CURRENT, channel="nowhere")], "channel"),
        (["sentiment"], [replace(CURRENT, survey_id=1)], "survey_id"),
        (["retention"], [replace(CURRENT, journey_id=1)], "journey_id"),
    ]:
        with pytest.raises(InvalidMetricQuery) as refused:
            totals(metrics, queries)
        assert refused.value.details[0].field == field
    # Programming errors, not user input: a grouping, two slices, overlapping periods.
    for queries in (
        [replace(CURRENT, group_by="month")],
        [CURRENT, replace(PREVIOUS, channel="web")],
        [CURRENT, replace(PREVIOUS, end=date(2026, 11, 1))],
    ):
        with pytest.raises(ValueError):
            totals(["nps"], queries)


def test_breakdowns_equal_one_grouping_at_a_time(session: Session, engine: Engine) -> None:
    workspace = make_workspace(session)
    survey_id = _answers(session, workspace)
    make_journey(session, workspace, [("Buy", [TOUCHPOINT])])
    group_bys = ["channel", "touchpoint", "survey", "language", "month", "journey"]
    for query in (CURRENT, replace(PREVIOUS, language="ar"), replace(CURRENT, survey_id=survey_id)):
        for metric in ("nps", "csat_mean"):
            found = compute_breakdowns(
                session,
                workspace_id=workspace.id,
                metric=metric,
                query=query,
                group_bys=group_bys,
            )
            assert found == {
                group_by: compute_metric(
                    session,
                    workspace_id=workspace.id,
                    metric=metric,
                    query=replace(query, group_by=group_by),
                )
                for group_by in group_bys
            }
            assert found["channel"].groups and found["journey"].groups
    # With the page's own lists of channels and touchpoints, both groupings are one read.
    places = Places(
        session,
        workspace_id=workspace.id,
        channels=journeys.list_channels(session, workspace_id=workspace.id),
        touchpoints=journeys.list_touchpoints(session, workspace_id=workspace.id),
    )
    with count_queries(engine) as counted:
        compute_breakdowns(
            session,
            workspace_id=workspace.id,
            metric="nps",
            query=CURRENT,
            group_bys=["channel", "touchpoint"],
            places=places,
        )
    assert counted.count == 1
    with pytest.raises(InvalidMetricQuery) as refused:
        compute_breakdowns(
            session,
            workspace_id=workspace.id,
            metric="churn_rate",
            query=CURRENT,
            group_bys=["channel"],
        )
    assert refused.value.details[0].field == "group_by"
