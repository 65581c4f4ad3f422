"""Sentiment index (% positive − % negative) of annotated feedback texts, by month.

Counts come from the text domain (`explorer.monthly_trend`): every feedback text with an
annotation, from any source (survey comments, reviews, tickets …), counted in the month of
the text's date; a mixed or neutral text counts in n on neither side.
"""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy.orm import Session

from nabd.metrics import errors
from nabd.metrics.customer_metrics import split_periods
from nabd.metrics.errors import InvalidMetricQuery
from nabd.metrics.estimates import MetricEstimate, sentiment_index_from_counts
from nabd.metrics.places import Places
from nabd.metrics.shapes import GroupBy, MetricGroup, MetricName, MetricQuery, MetricResult
from nabd.text.explorer import TREND_MONTHS, FeedbackFilters, MonthTrend, monthly_trend


def compute(
    session: Session,
    *,
    workspace_id: int,
    query: MetricQuery,
    group_by: GroupBy | None,
    places: Places | None = None,
) -> MetricResult:
    """The index over the query's days, optionally by month; no survey filter. A journey or
    stage keeps the texts at its touchpoints, as the survey metrics count answers. `places`
    resolves channel, touchpoint and journey ids (a page's shared lookups)."""
    if query.survey_id is not None:
        raise InvalidMetricQuery(field="survey_id", reason=errors.NOT_BY_SURVEY)
    if group_by not in (None, GroupBy.MONTH):
        raise InvalidMetricQuery(field="group_by", reason=errors.ONLY_BY_MONTH)
    filters = _filters(places or Places(session, workspace_id=workspace_id), query=query)
    months = [
        month
        for window_start, window_end in _windows(query.start, query.end)
        for month in _trend(session, workspace_id, filters, window_start, window_end)
    ]
    total = _index(
        sum(m.total for m in months),
        sum(m.positive for m in months),
        sum(m.negative for m in months),
    )
    groups = (
        [MetricGroup.of(m.month, _index(m.total, m.positive, m.negative)) for m in months]
        if group_by is GroupBy.MONTH
        else []
    )
    return MetricResult.of(MetricName.SENTIMENT, total, groups)


def _filters(places: Places, *, query: MetricQuery) -> FeedbackFilters:
    return FeedbackFilters(
        channel_id=None if query.channel is None else places.channel_id(query.channel),
        touchpoint_id=(
            None if query.touchpoint is None else places.touchpoint_id(query.touchpoint)
        ),
        language=query.language,
        segment_id=query.segment_id,
        touchpoint_ids=places.journey_filter(query.journey_id, query.stage_id),
    )


def _trend(
    session: Session, workspace_id: int, filters: FeedbackFilters, start: date, end: date
) -> list[MonthTrend]:
    [period] = split_periods(start, end, None)
    window = FeedbackFilters(**{**filters.__dict__, "since": period.start, "until": period.end})
    return monthly_trend(session, workspace_id=workspace_id, filters=window)


def _windows(start: date, end: date) -> Iterator[tuple[date, date]]:
    """Spans of at most TREND_MONTHS calendar months, which one trend read returns whole."""
    while start <= end:
        month = start.year * 12 + start.month - 1 + TREND_MONTHS
        after = date(month // 12, month % 12 + 1, 1)
        yield start, min(end, after - timedelta(days=1))
        start = after


def _index(total: int, positive: int, negative: int) -> MetricEstimate:
    return sentiment_index_from_counts(
        positive=positive, neutral=total - positive - negative, negative=negative
    )
