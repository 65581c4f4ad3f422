"""A goal's metric, read through the metrics engine, turned into progress and a status.

The only module of goals that talks to `nabd.metrics`: two `compute_metric` calls per goal,
one for the period so far and one grouped by week or month for the trend.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from nabd.config import Settings
from nabd.goals import forecast
from nabd.goals.forecast import Bucket, Forecast, GoalStatus, Point
from nabd.goals.models import Goal
from nabd.goals.targets import GOAL_METRICS, TargetKind, resolve_target
from nabd.metrics.engine import MetricQuery, compute_metric


@dataclass(frozen=True, slots=True)
class Scope:
    """The slice a goal measures, as the metrics engine names it."""

    channel: str | None = None
    touchpoint: str | None = None
    survey_id: int | None = None
    segment_id: int | None = None


@dataclass(frozen=True, slots=True)
class GoalProgress:
    status: GoalStatus
    current: float | None
    n: int
    progress: float | None
    forecast: Forecast | None
    series: list[Point]


def today() -> date:
    """The UTC day, as the metrics engine counts days."""
    return datetime.now(UTC).date()


def scope_of(goal: Goal) -> Scope:
    return Scope(
        channel=goal.channel.key if goal.channel else None,
        touchpoint=goal.touchpoint.key if goal.touchpoint else None,
        survey_id=goal.survey_id,
        segment_id=goal.segment_id,
    )


def target_of(goal: Goal) -> float:
    return resolve_target(
        kind=TargetKind(goal.target_kind), amount=goal.target_amount, baseline=goal.baseline
    )


def measure(
    session: Session,
    *,
    workspace_id: int,
    metric: str,
    scope: Scope,
    start: date,
    end: date,
    settings: Settings | None = None,
) -> tuple[float | None, int]:
    """The metric over [start, end] (both included) and its n; raises InvalidMetricQuery.

    `settings` locate the analytics snapshot customer metrics read (see `compute_metric`).
    """
    result = compute_metric(
        session,
        workspace_id=workspace_id,
        metric=metric,
        query=_query(scope, start=start, end=end),
        settings=settings,
    )
    return result.value, result.n


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length that ends the day before `start`: the default baseline."""
    length = end - start
    last = start - timedelta(days=1)
    return last - length, last


def evaluate(
    session: Session, *, goal: Goal, today: date, settings: Settings | None = None
) -> GoalProgress:
    """Where the goal stands on `today` (UTC): progress so far, forecast and status."""
    target = target_of(goal)
    metric = GOAL_METRICS[goal.metric]
    scope = scope_of(goal)
    if today < goal.start_date:
        return GoalProgress(GoalStatus.NOT_STARTED, None, 0, None, None, [])
    until = min(today, goal.end_date)
    current, n = measure(
        session,
        workspace_id=goal.workspace_id,
        metric=goal.metric,
        scope=scope,
        start=goal.start_date,
        end=until,
        settings=settings,
    )
    series = _series(session, goal=goal, scope=scope, today=today, settings=settings)
    assessment = forecast.assess(
        baseline=goal.baseline,
        target=target,
        start=goal.start_date,
        end=goal.end_date,
        today=today,
        points=series,
        period_value=current,
        value_range=metric.value_range,
    )
    return GoalProgress(
        status=assessment.status,
        current=current,
        n=n,
        progress=forecast.progress(baseline=goal.baseline, target=target, current=current),
        forecast=assessment.forecast,
        series=series,
    )


def _series(
    session: Session, *, goal: Goal, scope: Scope, today: date, settings: Settings | None
) -> list[Point]:
    """The metric in each completed bucket, keyed as the engine groups by week or month."""
    completed = forecast.completed_buckets(goal.start_date, goal.end_date, today=today)
    if not completed:
        return []
    group_by = "week" if forecast.uses_weeks(goal.start_date, goal.end_date) else "month"
    result = compute_metric(
        session,
        workspace_id=goal.workspace_id,
        metric=goal.metric,
        query=_query(
            scope,
            start=goal.start_date,
            end=completed[-1].end - timedelta(days=1),
            group_by=group_by,
        ),
        settings=settings,
    )
    by_key = {group.key: group for group in result.groups}
    points = []
    for bucket in completed:
        group = by_key.get(_engine_key(bucket, group_by))
        points.append(Point(bucket, group.value if group else None, group.n if group else 0))
    return points


def _engine_key(bucket: Bucket, group_by: str) -> str:
    """The metrics engine's key of the week or month holding `bucket`: "2026-W48", "2026-11"."""
    if group_by == "week":
        year, week, _ = bucket.start.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{bucket.start.year}-{bucket.start.month:02d}"


def _query(scope: Scope, *, start: date, end: date, group_by: str | None = None) -> MetricQuery:
    return MetricQuery(
        start=start,
        end=end,
        channel=scope.channel,
        touchpoint=scope.touchpoint,
        survey_id=scope.survey_id,
        segment_id=scope.segment_id,
        group_by=group_by,
    )
