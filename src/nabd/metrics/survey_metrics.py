"""NPS, CSAT and CES from the rollup table only: one grouped SUM, never a scan of raw answers."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    Table,
    case,
    cast,
    func,
    literal_column,
    select,
    true,
    values,
)
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session

from nabd.metrics import estimates
from nabd.metrics.estimates import MetricEstimate
from nabd.metrics.models import NO_DIMENSION, MetricRollup
from nabd.metrics.places import Places
from nabd.metrics.shapes import (
    JOURNEY_GROUPS,
    GroupBy,
    MetricGroup,
    MetricName,
    MetricQuery,
    MetricResult,
)

# Which rollup rows (question kind) each survey metric reads.
SURVEY_METRICS = {
    MetricName.NPS: "nps",
    MetricName.CSAT: "csat",
    MetricName.CSAT_MEAN: "csat",
    MetricName.CES: "ces",
    MetricName.CES_AGREE: "ces",
}


@dataclass(frozen=True, slots=True)
class Sums:
    """Summed rollup columns of one group."""

    answer_count: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    top_box: int = 0
    agree: int = 0
    score_sum: int = 0
    score_sum_squares: int = 0

    def __add__(self, other: "Sums") -> "Sums":
        return Sums(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(), strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.answer_count,
            self.promoters,
            self.passives,
            self.detractors,
            self.top_box,
            self.agree,
            self.score_sum,
            self.score_sum_squares,
        )


# Core columns, not ORM attributes: a dashboard read needs no ORM machinery.
ROLLUP: Table = MetricRollup.__table__  # type: ignore[assignment]
SUM_COLUMNS = (
    ROLLUP.c.answer_count,
    ROLLUP.c.promoters,
    ROLLUP.c.passives,
    ROLLUP.c.detractors,
    ROLLUP.c.top_box,
    ROLLUP.c.agree,
    ROLLUP.c.score_sum,
    ROLLUP.c.score_sum_squares,
)


# Built once: constructing the expressions costs more than SQLite needs to run a small read.
SUMMED = tuple(func.coalesce(func.sum(column), 0) for column in SUM_COLUMNS)


def estimate(metric: MetricName, sums: Sums) -> MetricEstimate:
    """The metric's definition applied to summed rollup counts (estimates.py holds the maths)."""
    if metric is MetricName.NPS:
        return estimates.nps_from_counts(
            promoters=sums.promoters, passives=sums.passives, detractors=sums.detractors
        )
    if metric is MetricName.CSAT:
        return estimates.csat_from_counts(satisfied=sums.top_box, total=sums.answer_count)
    if metric is MetricName.CES_AGREE:
        return estimates.ces_agree_from_counts(agreeing=sums.agree, total=sums.answer_count)
    mean_of = (
        estimates.csat_mean_from_sums
        if metric is MetricName.CSAT_MEAN
        else estimates.ces_mean_from_sums
    )
    return mean_of(
        count=sums.answer_count,
        value_sum=sums.score_sum,
        sum_of_squares=sums.score_sum_squares,
    )


def compute(
    session: Session,
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    group_by: GroupBy | None,
    places: Places | None = None,
) -> MetricResult:
    """Sum the matching rollup rows, per group, and apply the metric's definition.

    `places` resolves channel, touchpoint and journey keys; a caller asking many metrics in
    one request passes one, so they are looked up once.
    """
    places = places or Places(session, workspace_id=workspace_id)
    statement = _selected(workspace_id, metric, query, places)
    if group_by is None:
        total = Sums(*(int(value) for value in session.execute(statement).one()))
        return result_of(metric, total, {})
    if group_by in JOURNEY_GROUPS:
        rows = session.execute(
            statement.add_columns(ROLLUP.c.touchpoint_id).group_by(ROLLUP.c.touchpoint_id)
        )
        keys = places.group_keys(group_by, query.journey_id)
        return _by_touchpoint_set(metric, rows, keys=keys)
    column, label = _grouping(places, group_by=group_by)
    rows = session.execute(statement.add_columns(column).group_by(column))
    groups: dict[str | None, Sums] = {}
    for row in rows:
        key = label(row[-1])
        groups[key] = groups.get(key, Sums()) + Sums(*(int(value) for value in row[:-1]))
    total = sum(groups.values(), Sums())
    return result_of(metric, total, groups)


def totals(
    session: Session,
    *,
    workspace_id: int,
    metrics: Sequence[MetricName],
    query: MetricQuery,
    periods: Sequence[tuple[date, date]],
    places: Places | None = None,
) -> dict[tuple[MetricName, int], MetricResult]:
    """(metric, index of the period) → the metric's total over that period of the query's
    slice, as `compute` gives it, from one read (the overview's tiles: three metrics, this
    period and the one before).

    The periods (first and last day, both included) must not overlap: each rollup row is
    counted in at most one of them.
    """
    ordered = sorted(periods)
    for (_, end), (start, _) in pairwise(ordered):
        if start <= end:
            raise ValueError("the periods overlap")
    places = places or Places(session, workspace_id=workspace_id)
    kinds = sorted({SURVEY_METRICS[metric] for metric in metrics})
    if session.get_bind().dialect.name == "postgresql":
        statement = _sum_each(workspace_id, kinds, periods, query, places)
    else:
        statement = _sum_grouped(workspace_id, kinds, periods, query, places)
    found = {
        (row[-2], row[-1]): Sums(*(int(value) for value in row[:-2]))
        for row in session.execute(statement)
    }
    return {
        (metric, index): result_of(metric, found.get((SURVEY_METRICS[metric], index), Sums()), {})
        for metric in metrics
        for index in range(len(periods))
    }


def _sum_each(
    workspace_id: int,
    kinds: Sequence[str],
    periods: Sequence[tuple[date, date]],
    query: MetricQuery,
    places: Places,
) -> Any:
    """PostgreSQL: a plain sum per kind and period, joined LATERAL to their list — as cheap as
    a read each, in one round trip. (Grouping by the period costs a CASE and a hash per row,
    twice as slow here; a UNION ALL of the sums is planned as a Parallel Append, slower still
    on few shared cores.)"""
    asked = values(
        sql_column("kind", String),
        sql_column("period", Integer),
        sql_column("first", Date),
        sql_column("last", Date),
        name="asked",
    ).data([(kind, index, *period) for kind in kinds for index, period in enumerate(periods)])
    sums = (
        select(*SUMMED)
        .where(
            ROLLUP.c.workspace_id == workspace_id,
            ROLLUP.c.kind == asked.c.kind,
            ROLLUP.c.day >= asked.c.first,
            ROLLUP.c.day <= asked.c.last,
            *_filters(places, query=query),
        )
        .lateral("sums")
    )
    return select(*sums.c, asked.c.kind, asked.c.period).select_from(asked.join(sums, true()))


def _sum_grouped(
    workspace_id: int,
    kinds: Sequence[str],
    periods: Sequence[tuple[date, date]],
    query: MetricQuery,
    places: Places,
) -> Any:
    """One read grouped by kind and period (SQLite has no LATERAL; it runs in process, so
    a round trip costs it little anyway)."""
    period = case(
        *(
            ((ROLLUP.c.day >= start) & (ROLLUP.c.day <= end), literal_column(str(index)))
            for index, (start, end) in enumerate(periods)
        )
    )
    first, last = min(start for start, _ in periods), max(end for _, end in periods)
    return (
        select(*SUMMED, ROLLUP.c.kind, period)
        .where(*_conditions(workspace_id, kinds, first, last, query, places))
        .group_by(ROLLUP.c.kind, period)
    )


# Groupings by a column of the rollup row, which one read grouped by several can share.
COLUMN_GROUPS = frozenset({GroupBy.CHANNEL, GroupBy.TOUCHPOINT, GroupBy.SURVEY, GroupBy.LANGUAGE})


def breakdowns(
    session: Session,
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    group_bys: Sequence[GroupBy],
    places: Places | None = None,
) -> dict[GroupBy, MetricResult]:
    """The metric grouped each of these ways (COLUMN_GROUPS), as `compute` gives each, from
    one read grouped by all their columns (the overview's NPS by channel and by touchpoint)."""
    places = places or Places(session, workspace_id=workspace_id)
    groupings = [_grouping(places, group_by=group_by) for group_by in group_bys]
    columns = [column for column, _label in groupings]
    statement = _selected(workspace_id, metric, query, places).add_columns(*columns)
    rows = [
        (Sums(*(int(value) for value in row[: -len(columns)])), row[-len(columns) :])
        for row in session.execute(statement.group_by(*columns))
    ]
    results = {}
    for index, (group_by, (_column, label)) in enumerate(zip(group_bys, groupings, strict=True)):
        groups: dict[str | None, Sums] = {}
        for sums, keys in rows:
            key = label(keys[index])
            groups[key] = groups.get(key, Sums()) + sums
        results[group_by] = result_of(metric, sum(groups.values(), Sums()), groups)
    return results


@dataclass(frozen=True)
class MonthGrid:
    """A metric by month over a query's days, and by touchpoint and month (the heat map)."""

    # As `compute` gives it with group_by="month".
    by_month: MetricResult
    # Touchpoint key (None: no touchpoint, or one the workspace no longer has) → month
    # ("2026-11") → the metric there.
    by_touchpoint: dict[str | None, dict[str, MetricGroup]]


def month_grid(
    session: Session,
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    places: Places | None = None,
) -> MonthGrid:
    """One read grouped by touchpoint and month gives both the heat map and the monthly
    trend (the sum of its touchpoints), instead of a read for each."""
    places = places or Places(session, workspace_id=workspace_id)
    month = _month_of(session, ROLLUP.c.day)
    statement = (
        _selected(workspace_id, metric, query, places)
        .add_columns(ROLLUP.c.touchpoint_id, month)
        .group_by(ROLLUP.c.touchpoint_id, month)
    )
    touchpoint_keys = _by_id(places.touchpoints)
    months: dict[str | None, Sums] = {}
    cells: dict[str | None, dict[str, Sums]] = {}
    for row in session.execute(statement):
        sums = Sums(*(int(value) for value in row[:-2]))
        key = period_key(_as_date(row[-1]), GroupBy.MONTH)
        months[key] = months.get(key, Sums()) + sums
        cell = cells.setdefault(touchpoint_keys.get(row[-2]), {})
        cell[key] = cell.get(key, Sums()) + sums
    return MonthGrid(
        by_month=result_of(metric, sum(months.values(), Sums()), months),
        by_touchpoint={
            touchpoint: {key: group_of(metric, key, sums) for key, sums in by_month.items()}
            for touchpoint, by_month in cells.items()
        },
    )


def _month_of(session: Session, day: Any) -> Any:
    """The first day of a DATE column's month, in the engine's own SQL (cheaper per row than
    formatting it as text)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", cast(day, DateTime))
    return func.date(day, "start of month")


def _selected(workspace_id: int, metric: MetricName, query: MetricQuery, places: Places) -> Any:
    kinds = [SURVEY_METRICS[metric]]
    return select(*SUMMED).where(
        *_conditions(workspace_id, kinds, query.start, query.end, query, places)
    )


def _conditions(
    workspace_id: int,
    kinds: Sequence[str],
    start: date,
    end: date,
    query: MetricQuery,
    places: Places,
) -> list[Any]:
    """The rows of these question kinds, days and filters of the query (its own days aside)."""
    kind = ROLLUP.c.kind == kinds[0] if len(kinds) == 1 else ROLLUP.c.kind.in_(kinds)
    return [
        ROLLUP.c.workspace_id == workspace_id,
        kind,
        ROLLUP.c.day >= start,
        ROLLUP.c.day <= end,
        *_filters(places, query=query),
    ]


def _by_touchpoint_set(
    metric: MetricName, rows: Iterable[Any], *, keys: dict[int, list[str]]
) -> MetricResult:
    """Groups that are sets of touchpoints (journeys, stages) from rows grouped by touchpoint:
    each touchpoint's sums go to every group holding it. A touchpoint may sit in several
    journeys, so the total counts each answer once, apart from the groups; answers at a
    touchpoint in no group form the None group."""
    total = Sums()
    groups: dict[str | None, Sums] = {}
    for row in rows:
        sums = Sums(*(int(value) for value in row[:-1]))
        total += sums
        holders: list[str | None] = [*keys.get(row[-1], [])] or [None]
        for key in holders:
            groups[key] = groups.get(key, Sums()) + sums
    return result_of(metric, total, groups)


def result_of(metric: MetricName, total: Sums, groups: dict[str | None, Sums]) -> MetricResult:
    return MetricResult.of(
        metric,
        estimate(metric, total),
        [group_of(metric, key, sums) for key, sums in _ordered(groups.items())],
    )


def group_of(metric: MetricName, key: str | None, sums: Sums) -> MetricGroup:
    return MetricGroup.of(key, estimate(metric, sums))


def _ordered(items: Iterable[tuple[str | None, Sums]]) -> list[tuple[str | None, Sums]]:
    """Groups by key, the "none" group (no channel, no touchpoint) last."""
    return sorted(items, key=lambda item: (item[0] is None, item[0] or ""))


def _filters(places: Places, *, query: MetricQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.channel is not None:
        conditions.append(ROLLUP.c.channel_id == places.channel_id(query.channel))
    if query.touchpoint is not None:
        conditions.append(ROLLUP.c.touchpoint_id == places.touchpoint_id(query.touchpoint))
    touchpoints = places.journey_filter(query.journey_id, query.stage_id)
    if touchpoints is not None:
        conditions.append(ROLLUP.c.touchpoint_id.in_(touchpoints))
    if query.survey_id is not None:
        conditions.append(ROLLUP.c.survey_id == query.survey_id)
    if query.language is not None:
        conditions.append(ROLLUP.c.language == query.language)
    return conditions


def _grouping(places: Places, *, group_by: GroupBy) -> tuple[Any, Callable[[Any], str | None]]:
    """The rollup column to GROUP BY and how one of its values becomes a group key."""
    if group_by is GroupBy.CHANNEL:
        channel_keys = _by_id(places.channels)
        return ROLLUP.c.channel_id, lambda value: channel_keys.get(value)
    if group_by is GroupBy.TOUCHPOINT:
        touchpoint_keys = _by_id(places.touchpoints)
        return ROLLUP.c.touchpoint_id, lambda value: touchpoint_keys.get(value)
    if group_by is GroupBy.SURVEY:
        return ROLLUP.c.survey_id, str
    if group_by is GroupBy.LANGUAGE:
        return ROLLUP.c.language, str
    return ROLLUP.c.day, lambda value: period_key(_as_date(value), group_by)


def period_key(day: date, group_by: GroupBy) -> str:
    """ "2026-11-23", "2026-W48" (ISO week), "2026-11" or "2026-Q4"."""
    if group_by is GroupBy.DAY:
        return day.isoformat()
    if group_by is GroupBy.WEEK:
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if group_by is GroupBy.MONTH:
        return f"{day.year}-{day.month:02d}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _as_date(value: Any) -> date:
    # SQLite hands back the ISO string of a DATE when it is a GROUP BY column of an aggregate;
    # PostgreSQL's date_trunc a timestamp.
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _by_id(ids: dict[str, int]) -> dict[int, str | None]:
    keys: dict[int, str | None] = {identifier: key for key, identifier in ids.items()}
    keys[NO_DIMENSION] = None
    return keys
