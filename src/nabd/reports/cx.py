"""What the overview page needs around the CX numbers: its URL filters, chart data, links."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.journeys.models import Channel, Journey, Touchpoint
from nabd.metrics import errors
from nabd.reports.overview import DEFAULT_DAYS, CxOverview, OverviewFilters

UNKNOWN_SURVEY = N_("Unknown survey.")
UNKNOWN_SEGMENT = N_("Unknown segment.")


class InvalidFilter(ValidationFailed):
    """A 422 whose page message says which filter is wrong, not just that the query is."""

    def __init__(self, *, field: str, reason: str) -> None:
        super().__init__(reason, details=[ErrorDetail(field, reason)])


def filters_from(
    start: date | None,
    end: date | None,
    channel: str | None,
    *,
    today: date,
    touchpoint: str | None = None,
    language: str | None = None,
    survey_id: int | None = None,
    segment_id: int | None = None,
    known_channels: Sequence[str] | None = None,
    known_touchpoints: Sequence[str] | None = None,
    known_surveys: Sequence[int] | None = None,
    known_segments: Sequence[int] | None = None,
    journey_id: int | None = None,
    stage_id: int | None = None,
    known_stages: Mapping[int, Sequence[int]] | None = None,
) -> OverviewFilters:
    """The URL's filters; without dates, the 30 days ending today. Unknown keys are refused
    (InvalidFilter, a 422 naming the filter) rather than silently ignored, when
    the known ones are given (`known_stages`: journey id → its stage ids)."""
    end = end or today
    filters = OverviewFilters(
        start=start or end - timedelta(days=DEFAULT_DAYS - 1),
        end=end,
        channel=channel or None,
        touchpoint=touchpoint or None,
        language=language or None,
        survey_id=survey_id,
        segment_id=segment_id,
        journey_id=journey_id,
        stage_id=stage_id,
    )
    if filters.start > filters.end:
        raise InvalidFilter(field="to", reason=errors.END_BEFORE_START)
    if known_channels is not None and filters.channel not in (None, *known_channels):
        raise InvalidFilter(field="channel", reason=errors.UNKNOWN_CHANNEL)
    if known_touchpoints is not None and filters.touchpoint not in (None, *known_touchpoints):
        raise InvalidFilter(field="touchpoint", reason=errors.UNKNOWN_TOUCHPOINT)
    if known_surveys is not None and filters.survey_id not in (None, *known_surveys):
        raise InvalidFilter(field="survey", reason=UNKNOWN_SURVEY)
    if known_segments is not None and filters.segment_id not in (None, *known_segments):
        raise InvalidFilter(field="segment", reason=UNKNOWN_SEGMENT)
    if known_stages is not None:
        _check_journey(filters, known_stages)
    return filters


def _check_journey(filters: OverviewFilters, known_stages: Mapping[int, Sequence[int]]) -> None:
    """The journey must be the workspace's, and the stage one of that journey's."""
    if filters.journey_id is not None and filters.journey_id not in known_stages:
        raise InvalidFilter(field="journey", reason=errors.UNKNOWN_JOURNEY)
    if filters.stage_id is None:
        return
    journeys = [filters.journey_id] if filters.journey_id is not None else list(known_stages)
    if not any(filters.stage_id in known_stages[journey] for journey in journeys):
        raise InvalidFilter(field="stage", reason=errors.UNKNOWN_STAGE)


def explorer_params(
    filters: OverviewFilters, channels: Sequence[Channel], touchpoints: Sequence[Touchpoint]
) -> dict[str, Any]:
    """The feedback explorer's query string for the overview's period and places."""
    params: dict[str, Any] = {"since": filters.start.isoformat(), "until": filters.end.isoformat()}
    channel_ids = {channel.key: channel.id for channel in channels}
    touchpoint_ids = {touchpoint.key: touchpoint.id for touchpoint in touchpoints}
    if filters.channel in channel_ids:
        params["channel_id"] = channel_ids[filters.channel]
    if filters.touchpoint in touchpoint_ids:
        params["touchpoint_id"] = touchpoint_ids[filters.touchpoint]
    if filters.language:
        params["language"] = filters.language
    if filters.segment_id is not None:
        params["segment_id"] = filters.segment_id
    # The explorer keeps the journey's or stage's touchpoints, as the survey metrics do.
    if filters.journey_id is not None:
        params["journey_id"] = filters.journey_id
    if filters.stage_id is not None:
        params["stage_id"] = filters.stage_id
    return params


def drilldown_url(
    filters: OverviewFilters, channels: Sequence[Channel], touchpoints: Sequence[Touchpoint] = ()
) -> str:
    """The survey comments behind the numbers, in the feedback explorer, with the same filters."""
    params = {"source": "survey", **explorer_params(filters, channels, touchpoints)}
    return "/feedback?" + urlencode(params)


def topic_url(
    filters: OverviewFilters,
    channels: Sequence[Channel],
    touchpoints: Sequence[Touchpoint],
    *,
    topic: str,
    sentiment: str,
) -> str:
    """The texts of every source mentioning `topic` with `sentiment`, in the same slice as
    the topic counts (a journey or stage keeps its touchpoints' texts there too)."""
    params = {**explorer_params(filters, channels, touchpoints), "topic": topic}
    return "/feedback?" + urlencode({**params, "sentiment": sentiment})


def page_context(
    overview: CxOverview,
    *,
    channels: Sequence[Channel],
    touchpoints: Sequence[Touchpoint],
    topic_label: Callable[[str], str],
    surveys: dict[int, str],
    segments: dict[int, str] | None = None,
    journeys: Sequence[Journey] = (),
) -> dict[str, Any]:
    filters = overview.filters
    places = {touchpoint.key: touchpoint for touchpoint in touchpoints}

    def topic_link(topic: str, sentiment: str) -> str:
        return topic_url(filters, channels, touchpoints, topic=topic, sentiment=sentiment)

    def drill(place: str, key: str | None) -> str | None:
        """The comments behind one row of a breakdown: the same slice, at that place."""
        if key is None:
            return None
        at_place = (
            replace(filters, channel=key)
            if place == "channel"
            else replace(filters, touchpoint=key)
        )
        return drilldown_url(at_place, channels, touchpoints)

    return {
        "cx": overview,
        "cx_channels": {channel.key: channel for channel in channels},
        "cx_touchpoints": places,
        "cx_surveys": surveys,
        "cx_segments": segments or {},
        "cx_journeys": journeys,
        "cx_query": urlencode(filters.params()),
        # Retention needs a first-purchase month and the month after it to have ended.
        "cx_retention_months": "/?" + urlencode(filters.whole_months_before(3).params()),
        "cx_drilldown": drilldown_url(filters, channels, touchpoints),
        "cx_drill": drill,
        "cx_texts": "/feedback?" + urlencode(explorer_params(filters, channels, touchpoints)),
        "cx_topic_link": topic_link,
        "topic_label": topic_label,
        "cx_previous_end": filters.start - timedelta(days=1),
        "cx_trend_chart": [
            {"month": group.key, "nps": group.value, "n": group.n}
            for group in overview.nps_trend.groups
        ],
        "cx_heatmap_chart": [
            [column, row_index, group.value]
            for row_index, row in enumerate(overview.heatmap)
            for column, month in enumerate(overview.heatmap_months)
            if (group := row.months.get(month)) is not None and group.value is not None
        ],
    }
