"""The CX part of the overview: headline tiles against the previous period, trend and breakdowns.

Survey numbers come from the metrics engine (`compute_totals`, `compute_breakdowns` and the
heat map's grid give exactly what `compute_metric` gives for each number, in fewer reads), so
the page shows what the metrics API returns, read from the rollup table (no scan of raw
answers); churn and retention come from
the analytics snapshot, the sentiment index and topics from the text annotations.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from nabd.config import Settings, get_settings
from nabd.core.i18n import N_
from nabd.metrics.engine import (
    MetricGroup,
    MetricQuery,
    MetricResult,
    Places,
    as_estimate,
    compute_breakdowns,
    compute_by_touchpoint_and_month,
    compute_totals,
)
from nabd.metrics.significance import Change, compare
from nabd.reports.topics import TopTopics, top_topics

DEFAULT_DAYS = 30
TREND_MONTHS = 12
# The heat map's rows: the touchpoints with the most NPS answers over its months.
HEATMAP_TOUCHPOINTS = 10
# metric, label, unit shown after the value, whether a rise is good news
TILES = (
    ("nps", N_("NPS"), "", True),
    ("csat", N_("CSAT (satisfied, 4–5)"), "%", True),
    ("ces", N_("CES (mean, 1–7)"), "", True),
    ("sentiment", N_("Sentiment index"), "", True),
    ("churn_rate", N_("Churn rate"), "%", False),
    ("retention", N_("Retention"), "%", True),
)
# Which filters each metric can apply; a tile whose metric cannot is left out, not misstated.
_SURVEY_FILTERS = frozenset(
    {"channel", "touchpoint", "language", "survey_id", "segment_id", "journey_id", "stage_id"}
)
FILTERABLE = {
    "nps": _SURVEY_FILTERS,
    "csat": _SURVEY_FILTERS,
    "ces": _SURVEY_FILTERS,
    "sentiment": _SURVEY_FILTERS - {"survey_id"},
    "churn_rate": frozenset({"segment_id"}),
    "retention": frozenset({"segment_id"}),
}


@dataclass(frozen=True)
class OverviewFilters:
    """What the URL holds: `?from=…&to=…&channel=…&touchpoint=…&language=…&survey=…`
    `&segment=…&journey=…&stage=…` (segment, journey and stage by id).

    Days are UTC, both included; channel and touchpoint are keys.
    """

    start: date
    end: date
    channel: str | None = None
    touchpoint: str | None = None
    language: str | None = None
    survey_id: int | None = None
    segment_id: int | None = None
    journey_id: int | None = None
    stage_id: int | None = None

    @property
    def previous(self) -> "OverviewFilters":
        """The period of the same length just before, for the trend arrows."""
        length = self.end - self.start + timedelta(days=1)
        return replace(self, start=self.start - length, end=self.start - timedelta(days=1))

    @property
    def active(self) -> frozenset[str]:
        """The names of the filters set besides the dates."""
        names = (
            "channel",
            "touchpoint",
            "language",
            "survey_id",
            "segment_id",
            "journey_id",
            "stage_id",
        )
        return frozenset(name for name in names if getattr(self, name) is not None)

    def whole_months_before(self, count: int) -> "OverviewFilters":
        """The `count` whole calendar months before the month of `end`: a period in which
        monthly cohorts (retention) have ended, with their following month."""
        first = self.end.replace(day=1)
        start = first
        for _ in range(count):
            start = (start - timedelta(days=1)).replace(day=1)
        return replace(self, start=start, end=first - timedelta(days=1))

    def applies_to(self, metric: str) -> bool:
        return self.active <= FILTERABLE[metric]

    def query(
        self,
        group_by: str | None = None,
        *,
        start: date | None = None,
        end: date | None = None,
    ) -> MetricQuery:
        """The engine's query for these filters; `start` and `end` move its period."""
        return MetricQuery(
            start=start or self.start,
            end=end or self.end,
            channel=self.channel,
            touchpoint=self.touchpoint,
            survey_id=self.survey_id,
            language=self.language,
            segment_id=self.segment_id,
            group_by=group_by,
            journey_id=self.journey_id,
            stage_id=self.stage_id,
        )

    def params(self) -> dict[str, str]:
        """The URL query string of these filters, for links and exports."""
        values = {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "channel": self.channel,
            "touchpoint": self.touchpoint,
            "language": self.language,
            "survey": str(self.survey_id) if self.survey_id is not None else None,
            "segment": str(self.segment_id) if self.segment_id is not None else None,
            "journey": str(self.journey_id) if self.journey_id is not None else None,
            "stage": str(self.stage_id) if self.stage_id is not None else None,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class Tile:
    """One headline number with its previous-period comparison."""

    metric: str
    label: str
    unit: str
    current: MetricResult
    previous: MetricResult
    change: Change
    higher_is_better: bool

    @property
    def direction(self) -> str:
        """ "up", "down" or "flat" (no difference, or nothing to compare)."""
        if not self.change.difference:
            return "flat"
        return "up" if self.change.difference > 0 else "down"


@dataclass(frozen=True)
class Volume:
    """Response volume: answers to NPS questions in each period (a count, so no margin)."""

    current: int
    previous: int

    @property
    def direction(self) -> str:
        if self.current == self.previous:
            return "flat"
        return "up" if self.current > self.previous else "down"


@dataclass(frozen=True)
class HeatRow:
    """One touchpoint's NPS by month (the heat map's row)."""

    touchpoint: str | None
    months: dict[str, MetricGroup]


@dataclass(frozen=True)
class CxOverview:
    filters: OverviewFilters
    tiles: list[Tile]
    volume: Volume
    nps_trend: MetricResult
    nps_by_channel: MetricResult
    nps_by_touchpoint: MetricResult
    heatmap_months: list[str]
    heatmap: list[HeatRow]
    topics: TopTopics | None
    snapshot_as_of: datetime | None = None

    @property
    def left_out(self) -> list[str]:
        """Labels of the tiles the filters leave out (their metric cannot apply them)."""
        shown = {tile.metric for tile in self.tiles}
        return [label for name, label, _unit, _good in TILES if name not in shown]


def build_overview(
    session: Session,
    *,
    workspace_id: int,
    filters: OverviewFilters,
    settings: Settings | None = None,
    snapshot_as_of: datetime | None = None,
    places: Places | None = None,
) -> CxOverview:
    """Every number of the CX overview: grouped sums over the rollup table, the snapshot
    (churn, retention) and one aggregate over the topic annotations.

    `places` (the workspace's channels, touchpoints, journeys) is shared by every metric of
    the page, so their keys are looked up once. The tiles' totals for both periods come from
    one read of the rollups, the trend from the heat map's read."""
    places = places or Places(session, workspace_id=workspace_id)
    # Read once: the snapshot metrics would each parse the environment again (4 ms a time).
    settings = settings or get_settings()

    shown = [tile for tile in TILES if filters.applies_to(tile[0])]
    totals = compute_totals(
        session,
        workspace_id=workspace_id,
        metrics=[name for name, _label, _unit, _good in shown],
        queries=[filters.query(), filters.previous.query()],
        settings=settings,
        places=places,
    )
    tiles = [
        Tile(
            metric=name,
            label=label,
            unit=unit,
            current=current,
            previous=previous,
            change=compare(as_estimate(current), as_estimate(previous)),
            higher_is_better=higher_is_better,
        )
        for name, label, unit, higher_is_better in shown
        for current, previous in [totals[name]]
    ]
    # The trend covers the period when it is longer than TREND_MONTHS; the heat map keeps
    # the last TREND_MONTHS months of the same read.
    heatmap_from = trend_start(filters.end)
    grid = compute_by_touchpoint_and_month(
        session,
        workspace_id=workspace_id,
        metric="nps",
        query=filters.query(start=min(heatmap_from, filters.start)),
        places=places,
        settings=settings,
    )
    heatmap = _heatmap(grid.by_touchpoint, since=f"{heatmap_from:%Y-%m}")
    by_place = compute_breakdowns(
        session,
        workspace_id=workspace_id,
        metric="nps",
        query=filters.query(),
        group_bys=["channel", "touchpoint"],
        settings=settings,
        places=places,
    )
    topics = None
    if "survey_id" not in filters.active:
        topics = top_topics(
            session,
            workspace_id=workspace_id,
            channel=filters.channel,
            touchpoint=filters.touchpoint,
            language=filters.language,
            segment_id=filters.segment_id,
            journey_id=filters.journey_id,
            stage_id=filters.stage_id,
            since=datetime.combine(filters.start, time.min, tzinfo=UTC),
            until=datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=UTC),
            places=places,
        )
    return CxOverview(
        filters=filters,
        tiles=tiles,
        volume=Volume(current=tiles[0].current.n, previous=tiles[0].previous.n),
        nps_trend=grid.by_month,
        nps_by_channel=by_place["channel"],
        nps_by_touchpoint=by_place["touchpoint"],
        heatmap_months=sorted({key for row in heatmap for key in row.months}),
        heatmap=heatmap,
        topics=topics,
        snapshot_as_of=snapshot_as_of,
    )


def _heatmap(grid: dict[str | None, dict[str, MetricGroup]], *, since: str) -> list[HeatRow]:
    """Rows of the touchpoints with most answers over the months from `since` ("2026-01"),
    from one read grouped by touchpoint and month; answers at no touchpoint have no row."""
    rows = {
        key: {month: group for month, group in months.items() if month >= since}
        for key, months in grid.items()
        if key is not None
    }
    rows = {key: months for key, months in rows.items() if months}
    ranked = sorted(rows.items(), key=lambda row: (-sum(g.n for g in row[1].values()), row[0]))
    return [HeatRow(touchpoint, months) for touchpoint, months in ranked[:HEATMAP_TOUCHPOINTS]]


def trend_start(end: date) -> date:
    """The first day of the month TREND_MONTHS − 1 months before the one holding `end`."""
    month = end.year * 12 + end.month - 1 - (TREND_MONTHS - 1)
    return date(month // 12, month % 12 + 1, 1)
