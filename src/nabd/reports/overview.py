"""The CX part of the overview: headline tiles against the previous period, trend and breakdowns.

Everything comes from `compute_metric`, so the page shows exactly what the metrics API
returns, read from the rollup table (no scan of raw answers).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from nabd.core.i18n import N_
from nabd.metrics.engine import MetricQuery, MetricResult, as_estimate, compute_metric
from nabd.metrics.significance import Change, compare

DEFAULT_DAYS = 30
TREND_MONTHS = 12
# metric, label, unit shown after the value, whether a rise is good news
TILES = (
    ("nps", N_("NPS"), "", True),
    ("csat", N_("CSAT (satisfied, 4–5)"), "%", True),
    ("ces", N_("CES (mean, 1–7)"), "", True),
)


@dataclass(frozen=True)
class OverviewFilters:
    """What the URL holds: `?from=…&to=…&channel=…` (UTC days, both included)."""

    start: date
    end: date
    channel: str | None = None

    @property
    def previous(self) -> "OverviewFilters":
        """The period of the same length just before, for the trend arrows."""
        length = self.end - self.start + timedelta(days=1)
        return OverviewFilters(self.start - length, self.start - timedelta(days=1), self.channel)

    def query(self, group_by: str | None = None) -> MetricQuery:
        return MetricQuery(start=self.start, end=self.end, channel=self.channel, group_by=group_by)


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
class CxOverview:
    filters: OverviewFilters
    tiles: list[Tile]
    volume: Volume
    nps_trend: MetricResult
    nps_by_channel: MetricResult
    nps_by_touchpoint: MetricResult


def build_overview(session: Session, *, workspace_id: int, filters: OverviewFilters) -> CxOverview:
    """Every number of the CX overview; 9 grouped sums over the rollup table."""

    def metric(name: str, query: MetricQuery) -> MetricResult:
        return compute_metric(session, workspace_id=workspace_id, metric=name, query=query)

    tiles = []
    for name, label, unit, higher_is_better in TILES:
        current = metric(name, filters.query())
        previous = metric(name, filters.previous.query())
        tiles.append(
            Tile(
                metric=name,
                label=label,
                unit=unit,
                current=current,
                previous=previous,
                change=compare(as_estimate(current), as_estimate(previous)),
                higher_is_better=higher_is_better,
            )
        )
    trend = MetricQuery(
        start=min(trend_start(filters.end), filters.start),
        end=filters.end,
        channel=filters.channel,
        group_by="month",
    )
    return CxOverview(
        filters=filters,
        tiles=tiles,
        volume=Volume(current=tiles[0].current.n, previous=tiles[0].previous.n),
        nps_trend=metric("nps", trend),
        nps_by_channel=metric("nps", filters.query("channel")),
        nps_by_touchpoint=metric("nps", filters.query("touchpoint")),
    )


def trend_start(end: date) -> date:
    """The first day of the month TREND_MONTHS − 1 months before the one holding `end`."""
    month = end.year * 12 + end.month - 1 - (TREND_MONTHS - 1)
    return date(month // 12, month % 12 + 1, 1)
