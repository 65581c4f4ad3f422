"""Channels and touchpoints of a workspace."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.journeys.models import Channel, Touchpoint


def ensure_channel(
    session: Session, *, workspace_id: int, key: str, name_ar: str, name_en: str
) -> Channel:
    channel = session.scalar(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.key == key)
    )
    if channel is None:
        channel = Channel(workspace_id=workspace_id, key=key, name_ar=name_ar, name_en=name_en)
        session.add(channel)
        session.flush()
    return channel


def ensure_touchpoint(
    session: Session,
    *,
    workspace_id: int,
    key: str,
    name_ar: str,
    name_en: str,
    channel: Channel | None,
) -> Touchpoint:
    touchpoint = session.scalar(
        select(Touchpoint).where(Touchpoint.workspace_id == workspace_id, Touchpoint.key == key)
    )
    if touchpoint is None:
        touchpoint = Touchpoint(
            workspace_id=workspace_id,
            key=key,
            name_ar=name_ar,
            name_en=name_en,
            channel=channel,
        )
        session.add(touchpoint)
        session.flush()
    return touchpoint


def list_channels(session: Session, *, workspace_id: int) -> list[Channel]:
    return list(
        session.scalars(
            select(Channel).where(Channel.workspace_id == workspace_id).order_by(Channel.id)
        )
    )


def get_channel(session: Session, *, workspace_id: int, channel_id: int) -> Channel | None:
    return session.scalar(
        select(Channel).where(Channel.workspace_id == workspace_id, Channel.id == channel_id)
    )
