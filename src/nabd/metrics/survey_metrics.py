"""NPS, CSAT and CES from the rollup table only: one grouped SUM, never a scan of raw answers."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, func, select
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


def by_touchpoint_and_month(
    session: Session,
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    places: Places | None = None,
) -> dict[str | None, dict[str, MetricGroup]]:
    """Touchpoint key → month ("2026-11") → the metric there: one read grouped by both (the
    overview's heat map), instead of one read per month."""
    places = places or Places(session, workspace_id=workspace_id)
    month = _month_of(session, ROLLUP.c.day)
    statement = (
        _selected(workspace_id, metric, query, places)
        .add_columns(ROLLUP.c.touchpoint_id, month)
        .group_by(ROLLUP.c.touchpoint_id, month)
    )
    touchpoint_keys = _by_id(places.touchpoints)
    grid: dict[str | None, dict[str, MetricGroup]] = {}
    for row in session.execute(statement):
        sums = Sums(*(int(value) for value in row[:-2]))
        key = touchpoint_keys.get(row[-2])
        grid.setdefault(key, {})[str(row[-1])] = group_of(metric, str(row[-1]), sums)
    return grid


def _month_of(session: Session, day: Any) -> Any:
    """ "2026-11" of a DATE column, in the engine's own SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(day, "YYYY-MM")
    return func.strftime("%Y-%m", day)


def _selected(workspace_id: int, metric: MetricName, query: MetricQuery, places: Places) -> Any:
    statement = select(*SUMMED).where(
        ROLLUP.c.workspace_id == workspace_id,
        ROLLUP.c.kind == SURVEY_METRICS[metric],
        ROLLUP.c.day >= query.start,
        ROLLUP.c.day <= query.end,
    )
    for condition in _filters(places, query=query):
        statement = statement.where(condition)
    return statement


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
    overall = estimate(metric, total)
    return MetricResult(
        metric=metric.value,
        value=overall.value,
        n=overall.n,
        margin_of_error=overall.margin_of_error,
        standard_error=overall.standard_error,
        groups=[group_of(metric, key, sums) for key, sums in _ordered(groups.items())],
    )


def group_of(metric: MetricName, key: str | None, sums: Sums) -> MetricGroup:
    result = estimate(metric, sums)
    return MetricGroup(
        key=key,
        value=result.value,
        n=result.n,
        margin_of_error=result.margin_of_error,
        standard_error=result.standard_error,
    )


def _ordered(items: Iterable[tuple[str | None, Sums]]) -> list[tuple[str | None, Sums]]:
    """Groups by key, the "none" group (no channel, no touchpoint) last."""
    return sorted(items, key=lambda item: (item[0] is None, item[0] or ""))


def _filters(places: Places, *, query: MetricQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.channel is not None:
        conditions.append(ROLLUP.c.channel_id == places.channel_id(query.channel))
    if query.touchpoint is not None:
        conditions.append(ROLLUP.c.touchpoint_id == places.touchpoint_id(query.touchpoint))
    if query.journey_id is not None or query.stage_id is not None:
        touchpoints = places.journey_touchpoints(query.journey_id, query.stage_id)
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
    # SQLite hands back the ISO string of a DATE when it is a GROUP BY column of an aggregate.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def channel_ids(session: Session, *, workspace_id: int) -> dict[str, int]:
    """Channel key → id, to turn the query's keys into the ids rows store."""
    return Places(session, workspace_id=workspace_id).channels


def touchpoint_ids(session: Session, *, workspace_id: int) -> dict[str, int]:
    """Touchpoint key → id."""
    return Places(session, workspace_id=workspace_id).touchpoints


def _by_id(ids: dict[str, int]) -> dict[int, str | None]:
    keys: dict[int, str | None] = {identifier: key for key, identifier in ids.items()}
    keys[NO_DIMENSION] = None
    return keys
