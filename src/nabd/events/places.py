"""Channel and touchpoint keys of a batch, looked up in one query each.

Unknown keys are refused rather than created: a typo in a sender must not invent a
touchpoint that then shows up in every journey map. Channels and touchpoints are defined in
nabd first (journey settings, the demo, or `nabd.journeys.service`).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.journeys.models import Channel, Touchpoint


@dataclass(frozen=True)
class TouchpointPlace:
    id: int
    channel_id: int | None


@dataclass(frozen=True)
class PlaceIndex:
    channels: dict[str, int]
    touchpoints: dict[str, TouchpointPlace]


def index_places(
    session: Session,
    *,
    workspace_id: int,
    channel_keys: Iterable[str | None],
    touchpoint_keys: Iterable[str | None] = (),
) -> PlaceIndex:
    wanted_channels = {key for key in channel_keys if key}
    wanted_touchpoints = {key for key in touchpoint_keys if key}
    channels: dict[str, int] = {}
    touchpoints: dict[str, TouchpointPlace] = {}
    if wanted_channels:
        channels = {
            key: channel_id
            for key, channel_id in session.execute(
                select(Channel.key, Channel.id).where(
                    Channel.workspace_id == workspace_id, Channel.key.in_(wanted_channels)
                )
            )
        }
    if wanted_touchpoints:
        touchpoints = {
            key: TouchpointPlace(id=touchpoint_id, channel_id=channel_id)
            for key, touchpoint_id, channel_id in session.execute(
                select(Touchpoint.key, Touchpoint.id, Touchpoint.channel_id).where(
                    Touchpoint.workspace_id == workspace_id,
                    Touchpoint.key.in_(wanted_touchpoints),
                )
            )
        }
    return PlaceIndex(channels=channels, touchpoints=touchpoints)
