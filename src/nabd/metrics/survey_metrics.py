"""NPS, CSAT and CES from the rollup table only: one grouped SUM, never a scan of raw answers."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from nabd.journeys import service as journeys
from nabd.metrics import errors, estimates
from nabd.metrics.errors import InvalidMetricQuery
from nabd.metrics.estimates import MetricEstimate
from nabd.metrics.models import NO_DIMENSION, MetricRollup
from nabd.metrics.shapes import (
    JOURNEY_GROUPS,
    GroupBy,
    MetricGroup,
    MetricName,
    MetricQuery,
    MetricResult,
)
from nabd.surveys import service as surveys

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
) -> MetricResult:
    """Sum the matching rollup rows, per group, and apply the metric's definition."""
    statement = select(*SUMMED).where(
        ROLLUP.c.workspace_id == workspace_id,
        ROLLUP.c.kind == SURVEY_METRICS[metric],
        ROLLUP.c.day >= query.start,
        ROLLUP.c.day <= query.end,
    )
    for condition in _filters(session, workspace_id=workspace_id, query=query):
        statement = statement.where(condition)
    if group_by is None:
        total = Sums(*(int(value) for value in session.execute(statement).one()))
        return _result(metric, total, {})
    if group_by in JOURNEY_GROUPS:
        keys = _placement_keys(session, workspace_id=workspace_id, group_by=group_by)
        return _by_touchpoint_set(session, metric=metric, statement=statement, keys=keys)
    column, label = _grouping(session, workspace_id=workspace_id, group_by=group_by)
    rows = session.execute(statement.add_columns(column).group_by(column))
    groups: dict[str | None, Sums] = {}
    for row in rows:
        key = label(row[-1])
        groups[key] = groups.get(key, Sums()) + Sums(*(int(value) for value in row[:-1]))
    total = sum(groups.values(), Sums())
    return _result(metric, total, groups)


def _by_touchpoint_set(
    session: Session, *, metric: MetricName, statement: Any, keys: dict[int, list[str]]
) -> MetricResult:
    """Groups that are sets of touchpoints (journeys, stages): one read grouped by touchpoint,
    each touchpoint's sums added to every group holding it. A touchpoint may sit in several
    journeys, so the total counts each answer once, apart from the groups; answers at a
    touchpoint in no group form the None group."""
    rows = session.execute(
        statement.add_columns(ROLLUP.c.touchpoint_id).group_by(ROLLUP.c.touchpoint_id)
    )
    total = Sums()
    groups: dict[str | None, Sums] = {}
    for row in rows:
        sums = Sums(*(int(value) for value in row[:-1]))
        total += sums
        for key in keys.get(row[-1]) or [None]:
            groups[key] = groups.get(key, Sums()) + sums
    return _result(metric, total, groups)


def _placement_keys(
    session: Session, *, workspace_id: int, group_by: GroupBy
) -> dict[int, list[str]]:
    """Touchpoint id → the keys (journey or stage ids, as text) of the groups holding it."""
    keys: dict[int, list[str]] = {}
    for placement in journeys.placements(session, workspace_id=workspace_id):
        group = placement.journey_id if group_by is GroupBy.JOURNEY else placement.stage_id
        keys.setdefault(placement.touchpoint_id, []).append(str(group))
    return keys


def _result(metric: MetricName, total: Sums, groups: dict[str | None, Sums]) -> MetricResult:
    overall = estimate(metric, total)
    return MetricResult(
        metric=metric.value,
        value=overall.value,
        n=overall.n,
        margin_of_error=overall.margin_of_error,
        standard_error=overall.standard_error,
        groups=[_group(metric, key, sums) for key, sums in _ordered(groups.items())],
    )


def _group(metric: MetricName, key: str | None, sums: Sums) -> MetricGroup:
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


def _filters(session: Session, *, workspace_id: int, query: MetricQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.channel is not None:
        channels = channel_ids(session, workspace_id=workspace_id)
        if query.channel not in channels:
            raise InvalidMetricQuery(field="channel", reason=errors.UNKNOWN_CHANNEL)
        conditions.append(ROLLUP.c.channel_id == channels[query.channel])
    if query.touchpoint is not None:
        touchpoints = touchpoint_ids(session, workspace_id=workspace_id)
        if query.touchpoint not in touchpoints:
            raise InvalidMetricQuery(field="touchpoint", reason=errors.UNKNOWN_TOUCHPOINT)
        conditions.append(ROLLUP.c.touchpoint_id == touchpoints[query.touchpoint])
    if query.journey_id is not None or query.stage_id is not None:
        touchpoints = _journey_touchpoints(session, workspace_id=workspace_id, query=query)
        conditions.append(ROLLUP.c.touchpoint_id.in_(touchpoints))
    if query.survey_id is not None:
        conditions.append(ROLLUP.c.survey_id == query.survey_id)
    if query.language is not None:
        conditions.append(ROLLUP.c.language == query.language)
    return conditions


def _journey_touchpoints(session: Session, *, workspace_id: int, query: MetricQuery) -> list[int]:
    """The touchpoints of the query's journey or stage (a stage must be of that journey)."""
    if query.stage_id is not None:
        journey_id = journeys.stage_journey(
            session, workspace_id=workspace_id, stage_id=query.stage_id
        )
        if journey_id is None or query.journey_id not in (None, journey_id):
            raise InvalidMetricQuery(field="stage_id", reason=errors.UNKNOWN_STAGE)
    elif query.journey_id is not None and not journeys.journey_exists(
        session, workspace_id=workspace_id, journey_id=query.journey_id
    ):
        raise InvalidMetricQuery(field="journey_id", reason=errors.UNKNOWN_JOURNEY)
    placements = journeys.placements(
        session, workspace_id=workspace_id, journey_id=query.journey_id, stage_id=query.stage_id
    )
    return sorted({placement.touchpoint_id for placement in placements})


def _grouping(
    session: Session, *, workspace_id: int, group_by: GroupBy
) -> tuple[Any, Callable[[Any], str | None]]:
    """The rollup column to GROUP BY and how one of its values becomes a group key."""
    if group_by is GroupBy.CHANNEL:
        channel_keys = _by_id(channel_ids(session, workspace_id=workspace_id))
        return ROLLUP.c.channel_id, lambda value: channel_keys.get(value)
    if group_by is GroupBy.TOUCHPOINT:
        touchpoint_keys = _by_id(touchpoint_ids(session, workspace_id=workspace_id))
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
    return {c.key: c.id for c in journeys.list_channels(session, workspace_id=workspace_id)}


def touchpoint_ids(session: Session, *, workspace_id: int) -> dict[str, int]:
    """Touchpoint key → id."""
    return {t.key: t.id for t in surveys.list_touchpoints(session, workspace_id=workspace_id)}


def _by_id(ids: dict[str, int]) -> dict[int, str | None]:
    keys: dict[int, str | None] = {identifier: key for key, identifier in ids.items()}
    keys[NO_DIMENSION] = None
    return keys
