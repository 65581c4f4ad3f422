"""JSON API: journeys, their ordered stages and the touchpoints each stage holds."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlalchemy.orm import Session

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.params import ListResponse, page_request
from nabd.core.pagination import PageRequest
from nabd.journeys import service
from nabd.journeys.models import Journey
from nabd.journeys.schemas import JourneyIn, JourneyOut, JourneyPatch, StageOut
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["journeys"])

ReadJourneys = Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))]
WriteJourneys = Annotated[Principal, Depends(require(Permission.JOURNEYS_WRITE))]
Pagination = Annotated[PageRequest, Depends(page_request)]


def journey_out(journey: Journey, touchpoint_keys: dict[int, str]) -> JourneyOut:
    return JourneyOut(
        id=journey.id,
        name_ar=journey.name_ar,
        name_en=journey.name_en,
        stages=[
            StageOut(
                id=stage.id,
                position=stage.position,
                name_ar=stage.name_ar,
                name_en=stage.name_en,
                touchpoints=[touchpoint_keys[tid] for tid in stage.touchpoint_ids],
            )
            for stage in journey.stages
        ],
        created_at=journey.created_at,
        updated_at=journey.updated_at,
    )


def _keys(session: Session, workspace_id: int) -> dict[int, str]:
    touchpoints = service.list_touchpoints(session, workspace_id=workspace_id)
    return {touchpoint.id: touchpoint.key for touchpoint in touchpoints}


@router.get("/journeys")
def list_journeys(
    session: DbSession, principal: ReadJourneys, page: Pagination
) -> ListResponse[JourneyOut]:
    result = service.page_journeys(session, workspace_id=principal.workspace_id, page=page)
    keys = _keys(session, principal.workspace_id)
    return ListResponse(
        items=[journey_out(journey, keys) for journey in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("/journeys", status_code=201)
def create_journey(session: DbSession, principal: WriteJourneys, data: JourneyIn) -> JourneyOut:
    journey = service.create_journey(
        session, workspace_id=principal.workspace_id, data=data, actor=principal.actor
    )
    return journey_out(journey, _keys(session, principal.workspace_id))


@router.get("/journeys/{journey_id}")
def get_journey(session: DbSession, principal: ReadJourneys, journey_id: int) -> JourneyOut:
    journey = service.get_journey(
        session, workspace_id=principal.workspace_id, journey_id=journey_id
    )
    return journey_out(journey, _keys(session, principal.workspace_id))


@router.patch("/journeys/{journey_id}")
def update_journey(
    session: DbSession, principal: WriteJourneys, journey_id: int, changes: JourneyPatch
) -> JourneyOut:
    journey = service.update_journey(
        session,
        workspace_id=principal.workspace_id,
        journey_id=journey_id,
        changes=changes,
        actor=principal.actor,
    )
    return journey_out(journey, _keys(session, principal.workspace_id))


@router.delete("/journeys/{journey_id}", status_code=204)
def delete_journey(session: DbSession, principal: WriteJourneys, journey_id: int) -> Response:
    """The journey and its stages go; touchpoints and every answer given at them stay."""
    service.delete_journey(
        session, workspace_id=principal.workspace_id, journey_id=journey_id, actor=principal.actor
    )
    return Response(status_code=204)
