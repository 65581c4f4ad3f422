"""Churn, retention, repeat customers and completion through the snapshot equal the raw rows."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.events import service as events
from nabd.events.models import Event, Transaction
from nabd.metrics import customer_dynamics
from nabd.metrics.engine import MetricQuery, MetricResult, compute_metric
from nabd.metrics.periods import Period
from nabd.workspaces.models import Workspace
from tests.analytics.seed import seed_spine
from tests.factories import make_workspace

START, END = date(2026, 1, 1), date(2026, 3, 31)
WHOLE = Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


@pytest.fixture
def workspace(session: Session, settings: Settings) -> Workspace:
    workspace = make_workspace(session)
    spine = seed_spine(session, workspace)
    first, second = spine.customer_ids[:2]
    at = datetime(2026, 2, 10, 9, tzinfo=UTC)
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {"customer_id": first, "type": "add_to_cart", "occurred_at": at, "properties": {}},
            {"customer_id": second, "type": "add_to_cart", "occurred_at": at, "properties": {}},
            {
                "customer_id": second,
                "type": "churned",
                "occurred_at": datetime(2026, 3, 30, tzinfo=UTC),
                "properties": {},
            },
        ],
    )
    session.commit()
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    return workspace


def _pairs(
    session: Session, model: Any, workspace_id: int, *conditions: Any
) -> list[tuple[int, datetime]]:
    rows = session.execute(
        select(model.customer_id, model.occurred_at).where(
            model.workspace_id == workspace_id, model.customer_id.is_not(None), *conditions
        )
    )
    return [tuple(row) for row in rows]


def _value(
    session: Session, settings: Settings, workspace: Workspace, metric: str, **kw: Any
) -> MetricResult:
    query = MetricQuery(**{"start": START, "end": END, **kw})
    return compute_metric(
        session, workspace_id=workspace.id, metric=metric, query=query, settings=settings
    )


def test_churn_rate_equals_the_definition(
    session: Session, settings: Settings, workspace: Workspace
) -> None:
    activities = _pairs(session, Event, workspace.id, Event.type != "churned") + _pairs(
        session, Transaction, workspace.id
    )
    since_february = Period(datetime(2026, 2, 1, tzinfo=UTC), WHOLE.end)
    [expected] = customer_dynamics.churn_by_period(
        activities,
        [since_february],
        inactivity_window=timedelta(days=settings.metrics_churn_inactive_days),
        churn_events=_pairs(session, Event, workspace.id, Event.type == "churned"),
    )
    result = _value(
        session, settings, workspace, "churn_rate", start=date(2026, 2, 1), group_by="month"
    )
    assert (result.value, result.n) == (expected.rate.value, expected.rate.n)
    assert expected.churned == 1  # the explicit `churned` event; the rest are still active
    assert [group.key for group in result.groups] == ["2026-02", "2026-03"]


def test_repeat_customers_and_completion_equal_the_definitions(
    session: Session, settings: Settings, workspace: Workspace
) -> None:
    purchases = _pairs(session, Transaction, workspace.id)
    [repeat] = customer_dynamics.repeat_vs_new(purchases, [WHOLE])
    result = _value(session, settings, workspace, "repeat_customers")
    assert (result.value, result.n) == (repeat.repeat_share.value, repeat.repeat_share.n)
    window = timedelta(hours=settings.metrics_completion_window_hours)
    [completion] = customer_dynamics.purchase_completion(
        _pairs(session, Event, workspace.id, Event.type == "add_to_cart"),
        purchases,
        [WHOLE],
        completion_window=window,
    )
    result = _value(session, settings, workspace, "purchase_completion", group_by="quarter")
    assert (result.value, result.n) == (completion.rate.value, 2)
    assert [group.key for group in result.groups] == ["2026-Q1"]


def test_retention_is_next_month_repurchase_of_first_purchase_cohorts(
    session: Session, settings: Settings, workspace: Workspace
) -> None:
    cohorts = customer_dynamics.retention_cohorts(
        _pairs(session, Transaction, workspace.id), as_of=datetime.now(UTC), max_offset=1
    )
    in_range = [c for c in cohorts if START <= c.cohort_month <= END and len(c.retained) > 1]
    result = _value(session, settings, workspace, "retention", group_by="month")
    assert result.n == sum(cohort.size for cohort in in_range)
    assert [group.key for group in result.groups] == [
        f"{cohort.cohort_month:%Y-%m}" for cohort in in_range
    ]
