"""What the overview page needs around the CX numbers: its URL filters, chart data, links."""

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from nabd.journeys.models import Channel, Touchpoint
from nabd.metrics import errors
from nabd.metrics.errors import InvalidMetricQuery
from nabd.reports.overview import DEFAULT_DAYS, CxOverview, OverviewFilters


def filters_from(
    start: date | None, end: date | None, channel: str | None, *, today: date
) -> OverviewFilters:
    """`?from=&to=&channel=`; without them, the 30 days ending today."""
    end = end or today
    filters = OverviewFilters(
        start=start or end - timedelta(days=DEFAULT_DAYS - 1), end=end, channel=channel or None
    )
    if filters.start > filters.end:
        raise InvalidMetricQuery(field="to", reason=errors.END_BEFORE_START)
    return filters


def drilldown_url(filters: OverviewFilters, channels: Sequence[Channel]) -> str:
    """The survey comments behind the numbers, in the feedback explorer, with the same filters."""
    params: dict[str, Any] = {
        "source": "survey",
        "since": filters.start.isoformat(),
        "until": filters.end.isoformat(),
    }
    channel_ids = {channel.key: channel.id for channel in channels}
    if filters.channel in channel_ids:
        params["channel_id"] = channel_ids[filters.channel]
    return "/feedback?" + urlencode(params)


def page_context(
    overview: CxOverview, *, channels: Sequence[Channel], touchpoints: Sequence[Touchpoint]
) -> dict[str, Any]:
    filters = overview.filters
    return {
        "cx": overview,
        "cx_channels": {channel.key: channel for channel in channels},
        "cx_touchpoints": {touchpoint.key: touchpoint for touchpoint in touchpoints},
        "cx_drilldown": drilldown_url(filters, channels),
        "cx_previous_end": filters.start - timedelta(days=1),
        "cx_trend_chart": [
            {"month": group.key, "nps": group.value, "n": group.n}
            for group in overview.nps_trend.groups
        ],
    }
