"""Churn, retention, repeat customers and purchase completion from the analytics snapshot.

A segment filter keeps the histories of the segment's members (its membership as of the
snapshot); there is no grouping by segment.

These need each customer's whole history (was the buyer new? active before the period?), so
they read events and transactions from the Parquet snapshot with polars, never the live
tables, and hand plain (customer, time) pairs to the pure functions in customer_dynamics.
The snapshot may be behind the database by up to `NABD_ANALYTICS_REFRESH_MINUTES`.
"""

import itertools
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from nabd.analytics.query import Snapshot
from nabd.config import Settings
from nabd.core.types import utcnow
from nabd.metrics import customer_dynamics, errors
from nabd.metrics.errors import InvalidMetricQuery
from nabd.metrics.estimates import Metric as EstimateMetric
from nabd.metrics.estimates import MetricEstimate, share_from_counts
from nabd.metrics.periods import Period
from nabd.metrics.shapes import (
    TIME_GROUPS,
    GroupBy,
    MetricGroup,
    MetricName,
    MetricQuery,
    MetricResult,
)
from nabd.metrics.survey_metrics import period_key

# The metrics computed here, each from customers' whole histories.
SNAPSHOT_METRICS = frozenset(
    {
        MetricName.CHURN_RATE,
        MetricName.RETENTION,
        MetricName.REPEAT_CUSTOMERS,
        MetricName.PURCHASE_COMPLETION,
    }
)
CHURN_EVENT = "churned"
START_EVENTS = ("add_to_cart", "checkout_started")
Pairs = list[tuple[int, datetime]]


def compute(
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    group_by: GroupBy | None,
    settings: Settings,
) -> MetricResult:
    """The metric for the query's days, and per time group; refuses filters it cannot apply."""
    _refuse_filters(query)
    if group_by is not None and group_by not in TIME_GROUPS:
        raise InvalidMetricQuery(field="group_by", reason=errors.NOT_BY_DIMENSION)
    snapshot = _Restricted(Snapshot.of(settings, workspace_id), query.segment_id)
    if metric is MetricName.RETENTION:
        if group_by not in (None, GroupBy.MONTH):
            raise InvalidMetricQuery(field="group_by", reason=errors.RETENTION_BY_MONTH)
        return _retention(_cohorts(snapshot), query.start, query.end, grouped=group_by is not None)
    periods = split_periods(query.start, query.end, group_by)
    total, *by_period = _rates(snapshot, metric, [_whole(periods), *periods], settings)
    groups = (
        [
            MetricGroup.of(period_key(period.start.date(), group_by), rate)
            for period, rate in zip(periods, by_period, strict=True)
        ]
        if group_by is not None
        else []
    )
    return MetricResult.of(metric, total, groups)


def totals(
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    periods: Sequence[tuple[date, date]],
    settings: Settings,
) -> list[MetricResult]:
    """The metric's total over each period (first and last day) of the query's slice, as
    `compute` gives each, from one pass over the snapshot's history instead of one a period."""
    _refuse_filters(query)
    snapshot = _Restricted(Snapshot.of(settings, workspace_id), query.segment_id)
    if metric is MetricName.RETENTION:
        cohorts = _cohorts(snapshot)
        return [_retention(cohorts, start, end, grouped=False) for start, end in periods]
    spans = [split_periods(start, end, None)[0] for start, end in periods]
    return [MetricResult.of(metric, rate, []) for rate in _rates(snapshot, metric, spans, settings)]


def _refuse_filters(query: MetricQuery) -> None:
    for name in ("channel", "touchpoint", "survey_id", "language"):
        if getattr(query, name) is not None:
            raise InvalidMetricQuery(field=name, reason=errors.NOT_FILTERABLE)


def _rates(
    snapshot: "_Restricted", metric: MetricName, periods: Sequence[Period], settings: Settings
) -> list[MetricEstimate]:
    """Churn, repeat-customer share or purchase completion in each period; a period's rate
    depends only on the history before its end, so one read up to the last end serves all."""
    until = max(period.end for period in periods)
    if metric is MetricName.CHURN_RATE:
        window = timedelta(days=settings.metrics_churn_inactive_days)
        return [
            row.rate
            for row in customer_dynamics.churn_by_period(
                _activities(snapshot, until=until),
                periods,
                inactivity_window=window,
                churn_events=_events(snapshot, types=(CHURN_EVENT,), until=until),
            )
        ]
    if metric is MetricName.REPEAT_CUSTOMERS:
        return [
            row.repeat_share
            for row in customer_dynamics.repeat_vs_new(_purchases(snapshot, until=until), periods)
        ]
    window = timedelta(hours=settings.metrics_completion_window_hours)
    return [
        row.rate
        for row in customer_dynamics.purchase_completion(
            _events(snapshot, types=START_EVENTS, until=until),
            _purchases(snapshot, until=until + window),
            periods,
            completion_window=window,
        )
    ]


def split_periods(start: date, end: date, group_by: GroupBy | None) -> list[Period]:
    """[start, end + 1 day) cut at day, week (Monday), month or quarter boundaries."""
    finish = _midnight(end + timedelta(days=1))
    if group_by is None:
        return [Period(_midnight(start), finish)]
    boundaries = [_midnight(start)]
    for day in _days(start + timedelta(days=1), end):
        if _starts_group(day, group_by):
            boundaries.append(_midnight(day))
    boundaries.append(finish)
    return [Period(low, high) for low, high in itertools.pairwise(boundaries)]


def _cohorts(snapshot: "_Restricted") -> list[customer_dynamics.RetentionCohort]:
    """First-purchase months and how many of each bought again the next month."""
    return customer_dynamics.retention_cohorts(
        _purchases(snapshot, until=utcnow()), as_of=utcnow(), max_offset=1
    )


def _retention(
    cohorts: Sequence[customer_dynamics.RetentionCohort],
    start: date,
    end: date,
    *,
    grouped: bool,
) -> MetricResult:
    """Share of a first-purchase month's customers who bought again in the next month."""
    kept = [
        cohort
        for cohort in cohorts
        if start <= cohort.cohort_month <= end and len(cohort.retained) > 1
    ]
    total = share_from_counts(
        metric=EstimateMetric.RETENTION_RATE,
        hits=sum(cohort.retained[1] for cohort in kept),
        total=sum(cohort.size for cohort in kept),
    )
    groups = [MetricGroup.of(f"{c.cohort_month:%Y-%m}", c.rate(1)) for c in kept] if grouped else []
    return MetricResult.of(MetricName.RETENTION, total, groups)


def _whole(periods: Sequence[Period]) -> Period:
    return Period(periods[0].start, periods[-1].end)


class _Restricted:
    """The snapshot's tables, limited to one segment's members when a segment is given."""

    def __init__(self, snapshot: Snapshot, segment_id: int | None) -> None:
        self.snapshot = snapshot
        self.members = (
            None
            if segment_id is None
            else snapshot.scan("segment_memberships")
            .filter(pl.col("segment_id") == segment_id)
            .select("customer_id")
        )

    def scan(self, name: str) -> pl.LazyFrame:
        frame = self.snapshot.scan(name)
        if self.members is None:
            return frame
        return frame.join(self.members, on="customer_id", how="semi")


def _pairs(frame: pl.LazyFrame, *, until: datetime) -> Pairs:
    rows = (
        frame.filter(pl.col("customer_id").is_not_null() & (pl.col("occurred_at") < until))
        .select("customer_id", "occurred_at")
        .collect()
    )
    return list(rows.iter_rows())


def _events(snapshot: _Restricted, *, types: Sequence[str], until: datetime) -> Pairs:
    return _pairs(snapshot.scan("events").filter(pl.col("type").is_in(list(types))), until=until)


def _purchases(snapshot: _Restricted, *, until: datetime) -> Pairs:
    """A purchase is a transaction: the record of money, not the `purchase` click event."""
    return _pairs(snapshot.scan("transactions"), until=until)


def _activities(snapshot: _Restricted, *, until: datetime) -> Pairs:
    """Any event (except the churn marker itself) or transaction shows the customer active."""
    events = snapshot.scan("events").filter(pl.col("type") != CHURN_EVENT)
    return _pairs(events, until=until) + _purchases(snapshot, until=until)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


_STARTS: dict[GroupBy, Callable[[date], bool]] = {
    GroupBy.DAY: lambda day: True,
    GroupBy.WEEK: lambda day: day.weekday() == 0,
    GroupBy.MONTH: lambda day: day.day == 1,
    GroupBy.QUARTER: lambda day: day.day == 1 and day.month in (1, 4, 7, 10),
}


def _starts_group(day: date, group_by: GroupBy) -> bool:
    return _STARTS[group_by](day)
