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
from nabd.metrics.shapes import GroupBy, MetricGroup, MetricName, MetricQuery, MetricResult
from nabd.metrics.survey_metrics import channel_ids, touchpoint_ids
from nabd.text.explorer import TREND_MONTHS, FeedbackFilters, MonthTrend, monthly_trend


def compute(
    session: Session, *, workspace_id: int, query: MetricQuery, group_by: GroupBy | None
) -> MetricResult:
    """The index over the query's days, optionally by month; no survey filter."""
    if query.survey_id is not None:
        raise InvalidMetricQuery(field="survey_id", reason=errors.NOT_BY_SURVEY)
    if group_by not in (None, GroupBy.MONTH):
        raise InvalidMetricQuery(field="group_by", reason=errors.ONLY_BY_MONTH)
    filters = _filters(session, workspace_id=workspace_id, query=query)
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
        [_group(m.month, _index(m.total, m.positive, m.negative)) for m in months]
        if group_by is GroupBy.MONTH
        else []
    )
    return MetricResult(
        metric=MetricName.SENTIMENT.value,
        value=total.value,
        n=total.n,
        margin_of_error=total.margin_of_error,
        standard_error=total.standard_error,
        groups=groups,
    )


def _filters(session: Session, *, workspace_id: int, query: MetricQuery) -> FeedbackFilters:
    channel_id = touchpoint_id = None
    if query.channel is not None:
        known = channel_ids(session, workspace_id=workspace_id)
        if query.channel not in known:
            raise InvalidMetricQuery(field="channel", reason=errors.UNKNOWN_CHANNEL)
        channel_id = known[query.channel]
    if query.touchpoint is not None:
        known = touchpoint_ids(session, workspace_id=workspace_id)
        if query.touchpoint not in known:
            raise InvalidMetricQuery(field="touchpoint", reason=errors.UNKNOWN_TOUCHPOINT)
        touchpoint_id = known[query.touchpoint]
    return FeedbackFilters(
        channel_id=channel_id,
        touchpoint_id=touchpoint_id,
        language=query.language,
        segment_id=query.segment_id,
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


def _group(key: str, index: MetricEstimate) -> MetricGroup:
    return MetricGroup(
        key=key,
        value=index.value,
        n=index.n,
        margin_of_error=index.margin_of_error,
        standard_error=index.standard_error,
    )
