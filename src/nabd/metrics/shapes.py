"""The shapes of a metric question and its answer, shared by the engine and its back ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the shapes stay free of numpy and scipy
    from nabd.metrics.estimates import MetricEstimate


class MetricName(StrEnum):
    """The metrics `compute_metric` answers; the API takes the same names."""

    NPS = "nps"
    CSAT = "csat"
    CSAT_MEAN = "csat_mean"
    CES = "ces"
    CES_AGREE = "ces_agree"
    RESPONSE_RATE = "response_rate"
    SENTIMENT = "sentiment"
    CHURN_RATE = "churn_rate"
    RETENTION = "retention"
    REPEAT_CUSTOMERS = "repeat_customers"
    PURCHASE_COMPLETION = "purchase_completion"


class GroupBy(StrEnum):
    """How a result splits into groups; time groups are UTC days, ISO weeks, months, quarters."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    CHANNEL = "channel"
    TOUCHPOINT = "touchpoint"
    SURVEY = "survey"
    LANGUAGE = "language"
    SEGMENT = "segment"
    ATTRIBUTE = "attribute"
    TOPIC = "topic"
    JOURNEY = "journey"
    STAGE = "stage"


TIME_GROUPS = frozenset({GroupBy.DAY, GroupBy.WEEK, GroupBy.MONTH, GroupBy.QUARTER})
# A journey or stage is a set of touchpoints; a touchpoint may sit in several journeys.
JOURNEY_GROUPS = frozenset({GroupBy.JOURNEY, GroupBy.STAGE})


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """Which slice to measure: UTC days `start`…`end`, both included, and optional filters.

    `channel` and `touchpoint` are keys (as in the ingestion API), `language` a two-letter
    code; `journey_id` and `stage_id` keep the touchpoints of that journey or stage.
    `group_by` splits the result into groups (see `GroupBy`); None gives the total only;
    with `group_by="attribute"`, `attribute` names the customer attribute whose values group.
    """

    start: date
    end: date
    channel: str | None = None
    touchpoint: str | None = None
    survey_id: int | None = None
    segment_id: int | None = None
    language: str | None = None
    group_by: str | None = None
    journey_id: int | None = None
    stage_id: int | None = None
    attribute: str | None = None


@dataclass(frozen=True, slots=True)
class MetricGroup:
    """One group of a grouped result; `key` is e.g. "2026-11", "2026-W47", a channel key or None."""

    key: str | None
    value: float | None
    n: int
    margin_of_error: float | None
    standard_error: float | None = None

    @classmethod
    def of(cls, key: str | None, estimate: MetricEstimate) -> MetricGroup:
        """The group `key`, measured as `estimate`."""
        return cls(
            key=key,
            value=estimate.value,
            n=estimate.n,
            margin_of_error=estimate.margin_of_error,
            standard_error=estimate.standard_error,
        )


@dataclass(frozen=True, slots=True)
class MetricResult:
    """A metric over the whole slice, with its groups when `group_by` was given.

    `value` and `margin_of_error` are None when there is nothing to measure (n = 0).
    `standard_error` is what `significance.compare` needs to test a change between periods.
    """

    metric: str
    value: float | None
    n: int
    margin_of_error: float | None
    groups: list[MetricGroup] = field(default_factory=list)
    standard_error: float | None = None

    @classmethod
    def of(
        cls, metric: MetricName, total: MetricEstimate, groups: list[MetricGroup]
    ) -> MetricResult:
        """`metric` over the whole slice, measured as `total`, with its `groups`."""
        return cls(
            metric=metric.value,
            value=total.value,
            n=total.n,
            margin_of_error=total.margin_of_error,
            standard_error=total.standard_error,
            groups=groups,
        )
