"""Channels, touchpoints and journeys of a workspace.

Never commits.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.errors import ErrorDetail
from nabd.core.i18n import N_
from nabd.core.pagination import Page, PageRequest, paginate
from nabd.core.types import utcnow
from nabd.journeys.errors import InvalidJourney, JourneyNotFound
from nabd.journeys.models import Channel, Journey, JourneyStage, StageTouchpoint, Touchpoint
from nabd.journeys.schemas import JourneyIn, JourneyPatch, StageIn

INVALID = N_("The journey is not valid.")
UNKNOWN_TOUCHPOINT = N_("Unknown touchpoint.")
TOUCHPOINT_TWICE = N_("A touchpoint can be in only one stage of a journey.")
UNKNOWN_STAGE = N_("This stage is not part of the journey.")
STAGE_TWICE = N_("The same stage is listed twice.")


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


def list_touchpoints(session: Session, *, workspace_id: int) -> list[Touchpoint]:
    return list(
        session.scalars(
            select(Touchpoint)
            .where(Touchpoint.workspace_id == workspace_id)
            .order_by(Touchpoint.id)
        )
    )


def get_journey(session: Session, *, workspace_id: int, journey_id: int) -> Journey:
    journey = session.scalar(
        select(Journey).where(Journey.workspace_id == workspace_id, Journey.id == journey_id)
    )
    if journey is None:
        raise JourneyNotFound(N_("Journey not found."))
    return journey


def list_journeys(session: Session, *, workspace_id: int) -> list[Journey]:
    """Every journey of the workspace with its stages (two queries whatever their number)."""
    return list(
        session.scalars(
            select(Journey).where(Journey.workspace_id == workspace_id).order_by(Journey.id)
        )
    )


def page_journeys(session: Session, *, workspace_id: int, page: PageRequest) -> Page[Journey]:
    statement = select(Journey).where(Journey.workspace_id == workspace_id)
    return paginate(session, statement, id_column=Journey.id, page=page)


@dataclass(frozen=True, slots=True)
class Placement:
    """A touchpoint in a stage of a journey: what a journey or stage breakdown groups by."""

    journey_id: int
    stage_id: int
    touchpoint_id: int


def placements(
    session: Session,
    *,
    workspace_id: int,
    journey_id: int | None = None,
    stage_id: int | None = None,
) -> list[Placement]:
    """Where touchpoints sit, optionally in one journey or one stage; one query."""
    table = StageTouchpoint.__table__
    statement = select(table.c.journey_id, table.c.stage_id, table.c.touchpoint_id).where(
        table.c.workspace_id == workspace_id
    )
    if journey_id is not None:
        statement = statement.where(table.c.journey_id == journey_id)
    if stage_id is not None:
        statement = statement.where(table.c.stage_id == stage_id)
    return [Placement(*row) for row in session.execute(statement)]


def journey_exists(session: Session, *, workspace_id: int, journey_id: int) -> bool:
    found = session.scalar(
        select(Journey.id).where(Journey.workspace_id == workspace_id, Journey.id == journey_id)
    )
    return found is not None


def stage_journey(session: Session, *, workspace_id: int, stage_id: int) -> int | None:
    """The journey a stage belongs to, or None for a stage of no journey of this workspace."""
    return session.scalar(
        select(JourneyStage.journey_id).where(
            JourneyStage.workspace_id == workspace_id, JourneyStage.id == stage_id
        )
    )


def create_journey(
    session: Session, *, workspace_id: int, data: JourneyIn, actor: Actor
) -> Journey:
    journey = Journey(workspace_id=workspace_id, name_ar=data.name_ar, name_en=data.name_en)
    touchpoint_ids = _checked_touchpoints(session, journey, data.stages)
    session.add(journey)
    session.flush()
    _set_stages(session, journey, data.stages, touchpoint_ids)
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="journey.create",
        object_type="journey",
        object_id=journey.id,
        details={"name": journey.name_en, "stages": len(data.stages)},
    )
    return journey


def update_journey(
    session: Session, *, workspace_id: int, journey_id: int, changes: JourneyPatch, actor: Actor
) -> Journey:
    """Rename and/or replace the stage list; stages given with their id keep it."""
    journey = get_journey(session, workspace_id=workspace_id, journey_id=journey_id)
    cleared = [
        field
        for field in ("name_ar", "name_en", "stages")
        if field in changes.model_fields_set and getattr(changes, field) is None
    ]
    if cleared:
        reason = N_("This field is required.")
        raise InvalidJourney(INVALID, details=[ErrorDetail(field, reason) for field in cleared])
    # Checked before anything changes, so a refused edit leaves the journey as stored.
    touchpoint_ids = (
        _checked_touchpoints(session, journey, changes.stages) if changes.stages is not None else {}
    )
    if changes.name_ar is not None:
        journey.name_ar = changes.name_ar
    if changes.name_en is not None:
        journey.name_en = changes.name_en
    if changes.stages is not None:
        _set_stages(session, journey, changes.stages, touchpoint_ids)
    journey.updated_at = utcnow()
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="journey.update",
        object_type="journey",
        object_id=journey.id,
        details={"fields": sorted(changes.model_fields_set)},
    )
    return journey


def delete_journey(session: Session, *, workspace_id: int, journey_id: int, actor: Actor) -> None:
    """The journey and its stages go; its touchpoints and their data stay."""
    journey = get_journey(session, workspace_id=workspace_id, journey_id=journey_id)
    name = journey.name_en
    session.delete(journey)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="journey.delete",
        object_type="journey",
        object_id=journey_id,
        details={"name": name},
    )


def _checked_touchpoints(
    session: Session, journey: Journey, stages: Sequence[StageIn]
) -> dict[str, int]:
    """Touchpoint key → id, once every stage of `stages` is known to be acceptable.

    Raises InvalidJourney naming each wrong field (`stages[1].touchpoints[0]` …).
    """
    touchpoint_ids = {
        touchpoint.key: touchpoint.id
        for touchpoint in list_touchpoints(session, workspace_id=journey.workspace_id)
    }
    existing = {stage.id for stage in journey.stages} if journey.id is not None else set()
    problems: list[ErrorDetail] = []
    seen_touchpoints: set[str] = set()
    seen_stages: set[int] = set()
    for index, stage in enumerate(stages):
        if stage.id is not None and stage.id not in existing:
            problems.append(ErrorDetail(f"stages[{index}].id", UNKNOWN_STAGE))
        elif stage.id is not None and stage.id in seen_stages:
            problems.append(ErrorDetail(f"stages[{index}].id", STAGE_TWICE))
        if stage.id is not None:
            seen_stages.add(stage.id)
        for position, key in enumerate(stage.touchpoints):
            field = f"stages[{index}].touchpoints[{position}]"
            if key not in touchpoint_ids:
                problems.append(ErrorDetail(field, UNKNOWN_TOUCHPOINT))
            elif key in seen_touchpoints:
                problems.append(ErrorDetail(field, TOUCHPOINT_TWICE))
            seen_touchpoints.add(key)
    if problems:
        raise InvalidJourney(INVALID, details=problems)
    return touchpoint_ids


def _set_stages(
    session: Session, journey: Journey, stages: Sequence[StageIn], touchpoint_ids: dict[str, int]
) -> None:
    """Replace the journey's stages by `stages` (checked), in that order."""
    existing = {stage.id: stage for stage in journey.stages}
    # Placements go first: moving a touchpoint between stages would otherwise insert its new
    # row while the old one (same journey, same touchpoint) still holds the unique key.
    for stage in journey.stages:
        stage.placements.clear()
    session.flush()
    kept: list[JourneyStage] = []
    for position, stage_in in enumerate(stages, start=1):
        found = existing.get(stage_in.id) if stage_in.id is not None else None
        stage = found or JourneyStage(workspace_id=journey.workspace_id, journey=journey)
        stage.position = position
        stage.name_ar = stage_in.name_ar
        stage.name_en = stage_in.name_en
        stage.placements = [
            StageTouchpoint(
                workspace_id=journey.workspace_id,
                journey_id=journey.id,
                touchpoint_id=touchpoint_ids[key],
            )
            for key in stage_in.touchpoints
        ]
        kept.append(stage)
    journey.stages = kept
    session.flush()
