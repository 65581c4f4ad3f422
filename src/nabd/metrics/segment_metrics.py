"""NPS, CSAT and CES for a segment, or grouped by segment, customer attribute or text topic,
from the analytics snapshot.

The rollups carry no customer and no topic, so a segment slice counts the snapshot's scored
answers of the segment's members (`analytics.score_slices`, DuckDB) and hands the summed
columns to the same `survey_metrics.estimate` as the rollups. As fresh as the snapshot:
answers and topics reach it within `NABD_ANALYTICS_REFRESH_MINUTES`, memberships as of their
segment's last refresh.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from nabd.analytics.query import Snapshot
from nabd.analytics.score_slices import ScoreSlice, Thresholds, score_sums
from nabd.config import Settings
from nabd.metrics import survey_metrics
from nabd.metrics.estimates import (
    CES_AGREE_MIN,
    CSAT_SATISFIED_MIN,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
)
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
from nabd.metrics.survey_metrics import Sums, period_key
from nabd.segments import service as segments

THRESHOLDS = Thresholds(
    promoter_min=NPS_PROMOTER_MIN,
    detractor_max=NPS_DETRACTOR_MAX,
    satisfied_min=CSAT_SATISFIED_MIN,
    agree_min=CES_AGREE_MIN,
)


def compute(
    session: Session,
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    group_by: GroupBy | None,
    settings: Settings,
    places: Places | None = None,
) -> MetricResult:
    """The metric over the segment's members (or per segment), with the rollups' maths."""
    groups: dict[str | None, Sums]
    snapshot = Snapshot.of(settings, workspace_id)
    places = places or Places(session, workspace_id=workspace_id)
    slice_ = _slice(places, metric=metric, query=query)
    if group_by is None:
        return survey_metrics.result_of(metric, _total(snapshot, slice_), {})
    if group_by is GroupBy.SEGMENT:
        if slice_.segment_ids is None:
            all_ids = [s.id for s in segments.list_segments(session, workspace_id=workspace_id)]
            grouped_slice = replace(slice_, segment_ids=all_ids)
        else:
            grouped_slice = slice_
        by_segment = _sums(snapshot, grouped_slice, "segment", str)
        # Segments overlap: the total counts each answer once, not the sum of the groups.
        return survey_metrics.result_of(metric, _total(snapshot, slice_), by_segment)
    if group_by is GroupBy.TOPIC:
        by_topic = _sums(snapshot, slice_, "topic", str)
        # Topics overlap and some answers have none: the total counts each answer once.
        return survey_metrics.result_of(metric, _total(snapshot, slice_), by_topic)
    if group_by is GroupBy.ATTRIBUTE:
        by_value = _sums(snapshot, slice_, "attribute", str, attribute=query.attribute)
        return survey_metrics.result_of(metric, sum(by_value.values(), Sums()), by_value)
    if group_by in JOURNEY_GROUPS:
        keys = places.group_keys(group_by, query.journey_id)
        groups = _by_touchpoint_set(_sums(snapshot, slice_, "touchpoint", str), keys)
        # Journeys share touchpoints: the total counts each answer once.
        return survey_metrics.result_of(metric, _total(snapshot, slice_), groups)
    if group_by in TIME_GROUPS:
        by_day = _sums(snapshot, slice_, "day", str)
        groups = {}
        for day, sums in by_day.items():
            key = period_key(date.fromisoformat(str(day)), group_by)
            groups[key] = groups.get(key, Sums()) + sums
    else:
        labeller = _labeller(places, group_by)
        groups = _sums(snapshot, slice_, group_by.value, labeller)
    return survey_metrics.result_of(metric, sum(groups.values(), Sums()), groups)


def _by_touchpoint_set(
    by_touchpoint: dict[str | None, Sums], keys: dict[int, list[str]]
) -> dict[str | None, Sums]:
    """Sums per touchpoint id into the journeys or stages holding it (None: held by none)."""
    groups: dict[str | None, Sums] = {}
    for touchpoint, sums in by_touchpoint.items():
        holders: list[str | None] = [*keys.get(int(touchpoint), [])] if touchpoint else []
        for key in holders or [None]:
            groups[key] = groups.get(key, Sums()) + sums
    return groups


def _slice(places: Places, *, metric: MetricName, query: MetricQuery) -> ScoreSlice:
    journey_touchpoints = places.journey_filter(query.journey_id, query.stage_id)
    return ScoreSlice(
        kind=survey_metrics.SURVEY_METRICS[metric],
        start=datetime.combine(query.start, time(), tzinfo=UTC),
        end=datetime.combine(query.end + timedelta(days=1), time(), tzinfo=UTC),
        channel_id=None if query.channel is None else places.channel_id(query.channel),
        touchpoint_id=None if query.touchpoint is None else places.touchpoint_id(query.touchpoint),
        touchpoint_ids=journey_touchpoints,
        survey_id=query.survey_id,
        language=query.language,
        segment_ids=[query.segment_id] if query.segment_id is not None else None,
    )


def by_touchpoint_and_month(
    session: Session,
    *,
    workspace_id: int,
    metric: MetricName,
    query: MetricQuery,
    settings: Settings,
    places: Places | None = None,
) -> dict[str | None, dict[str, MetricGroup]]:
    """The heat map (touchpoint key → month → metric) of a segment's members, in one read."""
    places = places or Places(session, workspace_id=workspace_id)
    slice_ = _slice(places, metric=metric, query=query)
    touchpoint_keys = {str(identifier): key for key, identifier in places.touchpoints.items()}
    grid: dict[str | None, dict[str, MetricGroup]] = {}
    by_cell = _sums(Snapshot.of(settings, workspace_id), slice_, "touchpoint_month", str)
    for cell, sums in by_cell.items():
        touchpoint, month = str(cell).split(" ")
        key = touchpoint_keys.get(touchpoint)
        grid.setdefault(key, {})[month] = survey_metrics.group_of(metric, month, sums)
    return grid


def _total(snapshot: Snapshot, slice_: ScoreSlice) -> Sums:
    return _sums(snapshot, slice_, None, str).get(None, Sums())


def _sums(
    snapshot: Snapshot,
    slice_: ScoreSlice,
    group: str | None,
    label: Callable[[str], str | None],
    *,
    attribute: str | None = None,
) -> dict[str | None, Sums]:
    frame = score_sums(
        snapshot,
        slice_=slice_,
        thresholds=THRESHOLDS,
        group_by=group,  # type: ignore[arg-type]
        attribute=attribute,
    )
    sums: dict[str | None, Sums] = {}
    for key, *values in frame.iter_rows():
        name = None if key is None else label(key)
        sums[name] = sums.get(name, Sums()) + Sums(*(int(value) for value in values))
    return sums


def _labeller(places: Places, group_by: GroupBy) -> Callable[[str], str | None]:
    if group_by is GroupBy.CHANNEL:
        channel_keys = {str(identifier): key for key, identifier in places.channels.items()}
        return lambda value: channel_keys.get(value)
    if group_by is GroupBy.TOUCHPOINT:
        touchpoint_keys = {str(identifier): key for key, identifier in places.touchpoints.items()}
        return lambda value: touchpoint_keys.get(value)
    return str
