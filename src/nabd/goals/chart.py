"""The numbers behind a goal's progress chart, ready for the page to embed as JSON."""

from typing import Any

from nabd.goals import forecast
from nabd.goals.models import Goal
from nabd.goals.progress import GoalProgress


def chart_data(*, goal: Goal, evaluated: GoalProgress, target: float) -> dict[str, Any]:
    """One row per week or month of the whole period: the measured value (None for buckets
    not over yet or without data) and the trend line at the bucket's middle, when there is one."""
    measured = {point.bucket.start: point for point in evaluated.series}
    line = evaluated.forecast.line if evaluated.forecast else None
    rows = []
    for bucket in forecast.buckets(goal.start_date, goal.end_date):
        point = measured.get(bucket.start)
        rows.append(
            {
                "label": bucket.start.isoformat(),
                "value": None if point is None else _rounded(point.value),
                "n": 0 if point is None else point.n,
                "trend": None
                if line is None
                else _rounded(line.at(bucket.middle(goal.start_date))),
            }
        )
    return {"rows": rows, "baseline": goal.baseline, "target": _rounded(target)}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
