"""Where answers were given, as the rollup rows store it: channel, touchpoint, journey ids,
and which segment ids the workspace has.

A page that asks many metrics in one request shares one `Places`, so each key → id lookup
runs once per request instead of once per metric (the overview asks about twenty).
"""

from collections.abc import Sequence
from functools import cached_property

from sqlalchemy.orm import Session

from nabd.journeys import service as journeys
from nabd.journeys.models import Channel, Touchpoint
from nabd.metrics import errors
from nabd.metrics.errors import InvalidMetricQuery
from nabd.metrics.shapes import GroupBy
from nabd.segments import service as segments


class Places:
    """The workspace's channels, touchpoints and journey placements, each read when first needed."""

    def __init__(
        self,
        session: Session,
        *,
        workspace_id: int,
        channels: Sequence[Channel] | None = None,
        touchpoints: Sequence[Touchpoint] | None = None,
    ) -> None:
        self.session = session
        self.workspace_id = workspace_id
        # Lists the caller already holds (the overview loads them for its filter form).
        if channels is not None:
            self.__dict__["channels"] = {channel.key: channel.id for channel in channels}
        if touchpoints is not None:
            self.__dict__["touchpoints"] = {point.key: point.id for point in touchpoints}
        self._journeys: dict[tuple[int | None, int | None], list[int]] = {}
        self._known_segments: set[int] = set()

    @cached_property
    def channels(self) -> dict[str, int]:
        """Channel key → id."""
        found = journeys.list_channels(self.session, workspace_id=self.workspace_id)
        return {channel.key: channel.id for channel in found}

    @cached_property
    def touchpoints(self) -> dict[str, int]:
        """Touchpoint key → id."""
        found = journeys.list_touchpoints(self.session, workspace_id=self.workspace_id)
        return {touchpoint.key: touchpoint.id for touchpoint in found}

    @cached_property
    def placements(self) -> list[journeys.Placement]:
        return journeys.placements(self.session, workspace_id=self.workspace_id)

    def check_segment(self, segment_id: int) -> None:
        """A segment of this workspace, or a 422 on `segment_id`; checked once per id."""
        if segment_id in self._known_segments:
            return
        if not segments.segment_exists(
            self.session, workspace_id=self.workspace_id, segment_id=segment_id
        ):
            raise InvalidMetricQuery(field="segment_id", reason=errors.UNKNOWN_SEGMENT)
        self._known_segments.add(segment_id)

    def channel_id(self, key: str) -> int:
        if key not in self.channels:
            raise InvalidMetricQuery(field="channel", reason=errors.UNKNOWN_CHANNEL)
        return self.channels[key]

    def touchpoint_id(self, key: str) -> int:
        if key not in self.touchpoints:
            raise InvalidMetricQuery(field="touchpoint", reason=errors.UNKNOWN_TOUCHPOINT)
        return self.touchpoints[key]

    def journey_filter(self, journey_id: int | None, stage_id: int | None) -> list[int] | None:
        """The touchpoints a journey or stage filter keeps; None when neither is given (no
        such filter), so callers need no test of their own."""
        if journey_id is None and stage_id is None:
            return None
        return self.journey_touchpoints(journey_id, stage_id)

    def journey_touchpoints(self, journey_id: int | None, stage_id: int | None) -> list[int]:
        """The touchpoints of a journey or of one of its stages; unknown ones are refused."""
        if (journey_id, stage_id) not in self._journeys:
            self._journeys[journey_id, stage_id] = self._look_up(journey_id, stage_id)
        return self._journeys[journey_id, stage_id]

    def _look_up(self, journey_id: int | None, stage_id: int | None) -> list[int]:
        session, workspace_id = self.session, self.workspace_id
        if stage_id is not None:
            owner = journeys.stage_journey(session, workspace_id=workspace_id, stage_id=stage_id)
            if owner is None or journey_id not in (None, owner):
                raise InvalidMetricQuery(field="stage_id", reason=errors.UNKNOWN_STAGE)
        elif journey_id is not None and not journeys.journey_exists(
            session, workspace_id=workspace_id, journey_id=journey_id
        ):
            raise InvalidMetricQuery(field="journey_id", reason=errors.UNKNOWN_JOURNEY)
        return sorted(
            {
                placement.touchpoint_id
                for placement in self.placements
                if journey_id in (None, placement.journey_id)
                and stage_id in (None, placement.stage_id)
            }
        )

    def group_keys(self, group_by: GroupBy, journey_id: int | None = None) -> dict[int, list[str]]:
        """Touchpoint id → the keys (journey or stage ids, as text) of the groups holding it;
        with `journey_id`, only that journey's (its stages, not those of journeys sharing a
        touchpoint with it)."""
        keys: dict[int, list[str]] = {}
        for placement in self.placements:
            if journey_id not in (None, placement.journey_id):
                continue
            group = placement.journey_id if group_by is GroupBy.JOURNEY else placement.stage_id
            keys.setdefault(placement.touchpoint_id, []).append(str(group))
        return keys
