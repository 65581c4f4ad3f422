"""One entry point for every CX metric: `compute_metric`.

Dashboards, the metrics API and goals all call this, so a number means the same everywhere.
Survey metrics (NPS, CSAT, CES) read only the rollup table, except for a segment slice, which
the rollups cannot answer (they carry no customer) and the analytics snapshot does; customer
metrics (churn, retention, repeat customers, purchase completion) read events and
transactions through the analytics snapshot. Definitions: docs/how-we-compute/.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy.orm import Session

from nabd.config import Settings, get_settings
from nabd.metrics import (
    customer_metrics,
    errors,
    response_rate,
    segment_metrics,
    sentiment,
    survey_metrics,
    workspace_settings,
)
from nabd.metrics.errors import InvalidMetricQuery, UnknownMetric
from nabd.metrics.estimates import Metric, MetricEstimate
from nabd.metrics.places import Places
from nabd.metrics.shapes import (
    JOURNEY_GROUPS,
    TIME_GROUPS,
    GroupBy,
    MetricGroup,
    MetricName,
    MetricQuery,
    MetricResult,
)
from nabd.metrics.survey_metrics import MonthGrid

__all__ = [
    "TIME_GROUPS",
    "GroupBy",
    "MetricGroup",
    "MetricName",
    "MetricQuery",
    "MetricResult",
    "MonthGrid",
    "Places",
    "as_estimate",
    "compute_breakdowns",
    "compute_by_touchpoint_and_month",
    "compute_metric",
    "compute_totals",
]

# Groupings only the analytics snapshot can answer for the survey metrics.
SNAPSHOT_GROUPS = frozenset({GroupBy.SEGMENT, GroupBy.ATTRIBUTE, GroupBy.TOPIC})
# What each metric is in the maths module's terms, so two results can be compared.
_ESTIMATE_METRIC = {
    MetricName.NPS: Metric.NPS,
    MetricName.CSAT: Metric.CSAT,
    MetricName.CSAT_MEAN: Metric.CSAT_MEAN,
    MetricName.CES: Metric.CES_MEAN,
    MetricName.CES_AGREE: Metric.CES_AGREE,
    MetricName.RESPONSE_RATE: Metric.RESPONSE_RATE,
    MetricName.SENTIMENT: Metric.SENTIMENT_INDEX,
    MetricName.CHURN_RATE: Metric.CHURN_RATE,
    MetricName.RETENTION: Metric.RETENTION_RATE,
    MetricName.REPEAT_CUSTOMERS: Metric.REPEAT_CUSTOMER_SHARE,
    MetricName.PURCHASE_COMPLETION: Metric.PURCHASE_COMPLETION,
}


def compute_metric(
    session: Session,
    *,
    workspace_id: int,
    metric: str,
    query: MetricQuery,
    settings: Settings | None = None,
    places: Places | None = None,
) -> MetricResult:
    """The metric over the query's slice.

    Raises UnknownMetric (404) for a name not in MetricName and InvalidMetricQuery (422,
    naming the field) for a query the metric cannot answer.

    `settings` locate the analytics snapshot and hold the completion window and the default
    churn window (a workspace may set its own); they are read from the environment when not
    given. `places` lets a page that asks many metrics look its channel, touchpoint and
    journey keys up once.
    """
    name = _metric_name(metric)
    places = places or Places(session, workspace_id=workspace_id)
    group_by = _checked(name, query, places)
    if name in survey_metrics.SURVEY_METRICS and _from_snapshot(query, group_by):
        return segment_metrics.compute(
            session,
            workspace_id=workspace_id,
            metric=name,
            query=query,
            group_by=group_by,
            settings=settings or get_settings(),
            places=places,
        )
    if name in survey_metrics.SURVEY_METRICS:
        return survey_metrics.compute(
            session,
            workspace_id=workspace_id,
            metric=name,
            query=query,
            group_by=group_by,
            places=places,
        )
    if name is MetricName.SENTIMENT:
        return sentiment.compute(
            session, workspace_id=workspace_id, query=query, group_by=group_by, places=places
        )
    if name is MetricName.RESPONSE_RATE:
        return response_rate.compute(
            session, workspace_id=workspace_id, query=query, group_by=group_by
        )
    return customer_metrics.compute(
        workspace_id=workspace_id,
        metric=name,
        query=query,
        group_by=group_by,
        settings=_customer_settings(session, name, workspace_id, settings),
    )


def compute_totals(
    session: Session,
    *,
    workspace_id: int,
    metrics: Sequence[str],
    queries: Sequence[MetricQuery],
    settings: Settings | None = None,
    places: Places | None = None,
) -> dict[str, list[MetricResult]]:
    """Each metric's total for each query, exactly as `compute_metric` gives it, where the
    queries are one slice over disjoint periods (a dashboard's period and the one before).

    The survey metrics the rollups answer come from one read together, each snapshot metric
    from one pass over its history; the others are computed one query at a time. Refuses
    what `compute_metric` refuses; a grouped query, or queries differing in more than their
    days, are a programming error (ValueError).
    """
    names = [_metric_name(metric) for metric in metrics]
    slice_ = queries[0]
    undated = replace(slice_, start=date.min, end=date.min)
    if slice_.group_by is not None or any(
        replace(query, start=date.min, end=date.min) != undated for query in queries
    ):
        raise ValueError("compute_totals takes one ungrouped slice over several periods")
    places = places or Places(session, workspace_id=workspace_id)
    for name in names:
        for query in queries:
            _checked(name, query, places)
    periods = [(query.start, query.end) for query in queries]
    results: dict[MetricName, list[MetricResult]] = {}
    from_rollups = [
        name
        for name in names
        if name in survey_metrics.SURVEY_METRICS and not _from_snapshot(slice_, None)
    ]
    if from_rollups:
        found = survey_metrics.totals(
            session,
            workspace_id=workspace_id,
            metrics=from_rollups,
            query=slice_,
            periods=periods,
            places=places,
        )
        for name in from_rollups:
            results[name] = [found[name, index] for index in range(len(periods))]
    for name in names:
        if name in results:
            continue
        if name in customer_metrics.SNAPSHOT_METRICS:
            results[name] = customer_metrics.totals(
                workspace_id=workspace_id,
                metric=name,
                query=slice_,
                periods=periods,
                settings=_customer_settings(session, name, workspace_id, settings),
            )
            continue
        results[name] = [
            compute_metric(
                session,
                workspace_id=workspace_id,
                metric=name,
                query=query,
                settings=settings,
                places=places,
            )
            for query in queries
        ]
    return {metric: results[_metric_name(metric)] for metric in metrics}


def compute_breakdowns(
    session: Session,
    *,
    workspace_id: int,
    metric: str,
    query: MetricQuery,
    group_bys: Sequence[str],
    settings: Settings | None = None,
    places: Places | None = None,
) -> dict[str, MetricResult]:
    """The metric over one ungrouped query, grouped each of these ways, exactly as
    `compute_metric` gives each; a survey metric's groupings by channel, touchpoint, survey
    and language come from one read of the rollups together."""
    name = _metric_name(metric)
    if query.group_by is not None:
        raise ValueError("compute_breakdowns takes an ungrouped query")
    places = places or Places(session, workspace_id=workspace_id)
    queries = {group_by: replace(query, group_by=group_by) for group_by in group_bys}
    checked = {group_by: _checked(name, grouped, places) for group_by, grouped in queries.items()}
    together = [
        group_by
        for group_by, grouping in checked.items()
        if name in survey_metrics.SURVEY_METRICS
        and grouping in survey_metrics.COLUMN_GROUPS
        and not _from_snapshot(query, grouping)
    ]
    results: dict[str, MetricResult] = {}
    if together:
        found = survey_metrics.breakdowns(
            session,
            workspace_id=workspace_id,
            metric=name,
            query=query,
            group_bys=[GroupBy(group_by) for group_by in together],
            places=places,
        )
        results = {group_by: found[GroupBy(group_by)] for group_by in together}
    for group_by, grouped in queries.items():
        if group_by not in results:
            results[group_by] = compute_metric(
                session,
                workspace_id=workspace_id,
                metric=metric,
                query=grouped,
                settings=settings,
                places=places,
            )
    return results


def compute_by_touchpoint_and_month(
    session: Session,
    *,
    workspace_id: int,
    metric: str,
    query: MetricQuery,
    places: Places | None = None,
    settings: Settings | None = None,
) -> MonthGrid:
    """A survey metric by month, and by touchpoint key and month ("2026-11"): the overview's
    trend and heat map, in one read of the rollups.

    Checks the query as `compute_metric` does, so both refuse and apply the same filters;
    only the survey metrics, which the rollups hold by touchpoint, have it. A segment's map
    and trend come from the analytics snapshot, as its other slices do.
    """
    name = _metric_name(metric)
    if name not in survey_metrics.SURVEY_METRICS:
        raise InvalidMetricQuery(field="metric", reason=errors.NOT_BY_DIMENSION)
    if query.group_by is not None:
        raise ValueError("the grid has its own grouping")
    places = places or Places(session, workspace_id=workspace_id)
    _checked(name, query, places)
    if query.segment_id is None:
        return survey_metrics.month_grid(
            session, workspace_id=workspace_id, metric=name, query=query, places=places
        )
    settings = settings or get_settings()
    return MonthGrid(
        by_month=segment_metrics.compute(
            session,
            workspace_id=workspace_id,
            metric=name,
            query=query,
            group_by=GroupBy.MONTH,
            settings=settings,
            places=places,
        ),
        by_touchpoint=segment_metrics.by_touchpoint_and_month(
            session,
            workspace_id=workspace_id,
            metric=name,
            query=query,
            settings=settings,
            places=places,
        ),
    )


def as_estimate(result: MetricResult) -> MetricEstimate:
    """The total of a result as a MetricEstimate, for `significance.compare` across periods."""
    return MetricEstimate(
        metric=_ESTIMATE_METRIC[MetricName(result.metric)],
        value=result.value,
        n=result.n,
        standard_error=result.standard_error,
        margin_of_error=result.margin_of_error,
        interval_low=None,
        interval_high=None,
    )


def _metric_name(metric: str) -> MetricName:
    try:
        return MetricName(metric)
    except ValueError:
        raise UnknownMetric(errors.UNKNOWN_METRIC) from None


def _checked(name: MetricName, query: MetricQuery, places: Places) -> GroupBy | None:
    """The query's grouping, once everything the metric cannot answer has been refused."""
    group_by = _group_by(query)
    if query.start > query.end:
        raise InvalidMetricQuery(field="to", reason=errors.END_BEFORE_START)
    if query.segment_id is not None:
        places.check_segment(query.segment_id)
    if name not in survey_metrics.SURVEY_METRICS:
        _refuse_journeys(query, group_by, filter_too=name is not MetricName.SENTIMENT)
    if group_by is GroupBy.ATTRIBUTE and not query.attribute:
        raise InvalidMetricQuery(field="attribute", reason=errors.ATTRIBUTE_NEEDED)
    if query.attribute is not None and group_by is not GroupBy.ATTRIBUTE:
        raise InvalidMetricQuery(field="attribute", reason=errors.ATTRIBUTE_WITHOUT_GROUP)
    if query.segment_id is not None and name is MetricName.RESPONSE_RATE:
        raise InvalidMetricQuery(field="segment_id", reason=errors.NOT_BY_SEGMENT)
    return group_by


def _from_snapshot(query: MetricQuery, group_by: GroupBy | None) -> bool:
    """The rollups carry no customer and no topic: such slices come from the snapshot."""
    return query.segment_id is not None or group_by in SNAPSHOT_GROUPS


def _customer_settings(
    session: Session, name: MetricName, workspace_id: int, settings: Settings | None
) -> Settings:
    """The settings a snapshot metric reads: for churn, with the workspace's own window."""
    settings = settings or get_settings()
    if name is MetricName.CHURN_RATE:
        return workspace_settings.effective_settings(
            session, workspace_id=workspace_id, settings=settings
        )
    return settings


def _refuse_journeys(query: MetricQuery, group_by: GroupBy | None, *, filter_too: bool) -> None:
    """Journeys and stages are sets of touchpoints: the rollup-backed metrics group by them,
    the sentiment index (texts carry their touchpoint) is only filtered by them."""
    for field in ("journey_id", "stage_id"):
        if filter_too and getattr(query, field) is not None:
            raise InvalidMetricQuery(field=field, reason=errors.NOT_BY_JOURNEY)
    if group_by in JOURNEY_GROUPS:
        raise InvalidMetricQuery(field="group_by", reason=errors.NOT_BY_JOURNEY)


def _group_by(query: MetricQuery) -> GroupBy | None:
    if query.group_by is None:
        return None
    try:
        group_by = GroupBy(query.group_by)
    except ValueError:
        raise InvalidMetricQuery(field="group_by", reason=errors.UNKNOWN_GROUP) from None
    return group_by
