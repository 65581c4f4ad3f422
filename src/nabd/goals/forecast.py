"""A goal's status from its metric's trend: pure maths, no database.

The rule, written out for users in docs/how-we-compute/goals.md:

* before the period starts the goal is *not started*; after it ends it is *achieved* when the
  metric over the whole period reached the target, otherwise *missed*;
* while it runs, a straight line is fitted by least squares to the metric's value in each
  completed ISO week (calendar month, for periods longer than `WEEKLY_UP_TO_DAYS` days),
  placed at the middle of the bucket, and extended to the end of the period's last day:
  *on track* when that forecast reaches the target, *at risk* when it does not;
* with fewer than `MIN_POINTS` buckets holding data (or no data at all after the end) the
  status is *not enough data*: a line through two points says nothing about a trend.

"Reaching" is measured in the goal's own direction (up when the target is above the baseline,
down when it is below), so the same rule serves NPS, where more is better, and churn, where
less is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from nabd.core.i18n import N_

MIN_POINTS = 3
WEEKLY_UP_TO_DAYS = 120


class GoalStatus(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ACHIEVED = "achieved"
    MISSED = "missed"
    NOT_ENOUGH_DATA = "not_enough_data"

    @property
    def label(self) -> str:
        """The catalogue message id of the status's display name."""
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    GoalStatus.NOT_STARTED: N_("Not started"),
    GoalStatus.ON_TRACK: N_("On track"),
    GoalStatus.AT_RISK: N_("At risk"),
    GoalStatus.ACHIEVED: N_("Achieved"),
    GoalStatus.MISSED: N_("Missed"),
    GoalStatus.NOT_ENOUGH_DATA: N_("Not enough data"),
}


@dataclass(frozen=True, slots=True)
class Bucket:
    """One week or month of the period: [start, end) in days."""

    start: date
    end: date

    def middle(self, origin: date) -> float:
        """The bucket's midpoint in days since `origin`, counting days as continuous time."""
        return ((self.start - origin).days + (self.end - origin).days) / 2


@dataclass(frozen=True, slots=True)
class Point:
    """The metric's value in one bucket; `value` is None when the bucket has no data."""

    bucket: Bucket
    value: float | None
    n: int


@dataclass(frozen=True, slots=True)
class Line:
    """value ≈ intercept + slope · (days since the start of the period's first day)."""

    intercept: float
    slope: float

    def at(self, day: float) -> float:
        return self.intercept + self.slope * day


@dataclass(frozen=True, slots=True)
class Forecast:
    line: Line
    projected: float  # the line's value on the period's last day, clipped to the metric's range


@dataclass(frozen=True, slots=True)
class Assessment:
    status: GoalStatus
    forecast: Forecast | None


def uses_weeks(start: date, end: date) -> bool:
    """Weekly buckets for a quarter or less, so a status appears within its first month."""
    return (end - start).days + 1 <= WEEKLY_UP_TO_DAYS


def buckets(start: date, end: date) -> list[Bucket]:
    """The period cut into ISO weeks (Monday to Sunday) or calendar months, as the metrics
    engine groups them; the first and last are cut at the period's edges. `end` is included."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    stop = end + timedelta(days=1)
    weekly = uses_weeks(start, end)
    result = []
    cursor = start
    while cursor < stop:
        following = _next_monday(cursor) if weekly else _first_of_next_month(cursor)
        result.append(Bucket(cursor, min(following, stop)))
        cursor = following
    return result


def completed_buckets(start: date, end: date, *, today: date) -> list[Bucket]:
    """Buckets already over on `today`: a half-finished week would pull the line around."""
    return [bucket for bucket in buckets(start, end) if bucket.end <= today]


def fit_line(xs: Sequence[float], ys: Sequence[float]) -> Line:
    """Ordinary least squares; needs at least two distinct x values."""
    if len(xs) != len(ys) or len(xs) < 2:
        raise ValueError("need at least two points of equal-length x and y")
    count = len(xs)
    mean_x = sum(xs) / count
    mean_y = sum(ys) / count
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        raise ValueError("x values must not all be equal")
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    return Line(intercept=mean_y - slope * mean_x, slope=slope)


def progress(*, baseline: float, target: float, current: float | None) -> float | None:
    """Share of the way from baseline to target covered so far: 0 at baseline, 1 at target.

    Negative when the metric moved away from the target; above 1 when it overshot.
    """
    if current is None or target == baseline:
        return None
    return (current - baseline) / (target - baseline)


def reaches(value: float, *, baseline: float, target: float) -> bool:
    """Whether `value` is at or beyond the target, in the direction baseline → target."""
    return value >= target if target >= baseline else value <= target


def assess(
    *,
    baseline: float,
    target: float,
    start: date,
    end: date,
    today: date,
    points: Sequence[Point],
    period_value: float | None,
    value_range: tuple[float, float],
) -> Assessment:
    """The goal's status on `today` (see the module docstring for the rule).

    `period_value` is the metric over the period so far (the whole period once it is over).
    """
    if today < start:
        return Assessment(GoalStatus.NOT_STARTED, None)
    if today > end:
        if period_value is None:
            return Assessment(GoalStatus.NOT_ENOUGH_DATA, None)
        achieved = reaches(period_value, baseline=baseline, target=target)
        return Assessment(GoalStatus.ACHIEVED if achieved else GoalStatus.MISSED, None)
    forecast = forecast_at_end(points, start=start, end=end, value_range=value_range)
    if forecast is None:
        return Assessment(GoalStatus.NOT_ENOUGH_DATA, None)
    on_track = reaches(forecast.projected, baseline=baseline, target=target)
    return Assessment(GoalStatus.ON_TRACK if on_track else GoalStatus.AT_RISK, forecast)


def forecast_at_end(
    points: Sequence[Point], *, start: date, end: date, value_range: tuple[float, float]
) -> Forecast | None:
    """The least-squares line through the buckets with data, read on the last day; None with
    fewer than `MIN_POINTS` such buckets."""
    usable = [point for point in points if point.value is not None and point.n > 0]
    if len(usable) < MIN_POINTS:
        return None
    xs = [point.bucket.middle(start) for point in usable]
    ys = [point.value for point in usable if point.value is not None]
    line = fit_line(xs, ys)
    low, high = value_range
    # The period's end is the end of its last day.
    projected = min(high, max(low, line.at((end - start).days + 1)))
    return Forecast(line=line, projected=projected)


def _next_monday(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def _first_of_next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)
