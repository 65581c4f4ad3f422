"""Every table of the overview as rows (written as CSV or XLSX by `nabd.core.spreadsheets`).

The exported numbers are the ones the page shows; headers are in the user's language.
"""

from collections.abc import Callable
from typing import Any

from nabd.core.i18n import N_
from nabd.metrics.engine import MetricGroup, MetricResult
from nabd.reports.overview import CxOverview

Rows = list[list[Any]]
TABLES = ("trend", "channel", "touchpoint", "heatmap", "topics")
FORMATS = ("csv", "xlsx")


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _groups(result: MetricResult, name: Callable[[str | None], str]) -> Rows:
    return [[name(g.key), _number(g.value), _number(g.margin_of_error), g.n] for g in result.groups]


def table_rows(
    overview: CxOverview,
    table: str,
    *,
    gettext: Callable[[str], str],
    channel_name: Callable[[str | None], str],
    touchpoint_name: Callable[[str | None], str],
    topic_name: Callable[[str], str],
) -> Rows:
    """The header row then the data rows of one of TABLES (KeyError for another name)."""
    scores = [gettext(N_("NPS")), "±", "n"]
    if table == "trend":
        return [[gettext(N_("Month")), *scores], *_groups(overview.nps_trend, str)]
    if table == "channel":
        return [[gettext(N_("Channel")), *scores], *_groups(overview.nps_by_channel, channel_name)]
    if table == "touchpoint":
        header = [gettext(N_("Touchpoint")), *scores]
        return [header, *_groups(overview.nps_by_touchpoint, touchpoint_name)]
    if table == "heatmap":
        rows: Rows = [[gettext(N_("Touchpoint")), gettext(N_("Month")), *scores]]
        for row in overview.heatmap:
            for month, group in sorted(row.months.items()):
                rows.append([touchpoint_name(row.touchpoint), *_heat_cell(month, group)])
        return rows
    if table == "topics":
        header = [gettext(N_("Topic")), gettext(N_("Positive")), gettext(N_("Negative"))]
        topics = overview.topics
        summaries = {s.topic: s for s in [*topics.positive, *topics.negative]} if topics else {}
        body = [[topic_name(s.topic), s.positive, s.negative] for s in summaries.values()]
        return [header, *body]
    raise KeyError(table)


def _heat_cell(month: str, group: MetricGroup) -> list[Any]:
    return [month, _number(group.value), _number(group.margin_of_error), group.n]
