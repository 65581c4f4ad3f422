"""Which metrics a goal can track, their ranges, and how a target is written. Pure.

Left out on purpose: counts such as "responses" (a goal's forecast compares the value of each
week with the value over the whole period, which only makes sense for rates and scores) and
retention, which the engine reports per first-purchase cohort, not per week.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nabd.core.i18n import N_
from nabd.metrics.engine import MetricName


@dataclass(frozen=True, slots=True)
class GoalMetric:
    """A metric a goal can track; `label` is shown through the templates' `_()`, which
    always %-formats, hence the doubled %% signs."""

    name: MetricName
    label: str  # catalogue message id
    low: float
    high: float

    @property
    def value_range(self) -> tuple[float, float]:
        return (self.low, self.high)


GOAL_METRICS: dict[str, GoalMetric] = {
    metric.name.value: metric
    for metric in (
        GoalMetric(MetricName.NPS, N_("NPS (−100 to 100)"), -100, 100),
        GoalMetric(MetricName.CSAT, N_("CSAT (%% satisfied)"), 0, 100),
        GoalMetric(MetricName.CSAT_MEAN, N_("CSAT mean (1–5)"), 1, 5),
        GoalMetric(MetricName.CES, N_("CES mean (1–7, higher = easier)"), 1, 7),
        GoalMetric(MetricName.CES_AGREE, N_("CES (%% agree it was easy)"), 0, 100),
        GoalMetric(MetricName.CHURN_RATE, N_("Churn rate (%%)"), 0, 100),
        GoalMetric(MetricName.REPEAT_CUSTOMERS, N_("Repeat customers (%%)"), 0, 100),
        GoalMetric(MetricName.PURCHASE_COMPLETION, N_("Purchase completion (%%)"), 0, 100),
    )
}


class TargetKind(StrEnum):
    """How the target is written: "reach 45", "+5 points", or "−10 %" of the baseline."""

    VALUE = "value"
    CHANGE = "change"
    PERCENT = "percent"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    TargetKind.VALUE: N_("Reach the value"),
    TargetKind.CHANGE: N_("Change by points"),
    TargetKind.PERCENT: N_("Change by percent"),
}


def resolve_target(*, kind: TargetKind, amount: float, baseline: float) -> float:
    """The absolute value the goal aims at."""
    if kind is TargetKind.VALUE:
        return amount
    if kind is TargetKind.CHANGE:
        return baseline + amount
    return baseline * (1 + amount / 100)
