"""JSON API: goals with their live progress, forecast and status."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.params import ListResponse, page_request
from nabd.config import Settings
from nabd.core.pagination import PageRequest
from nabd.goals import progress, service
from nabd.goals.models import Goal
from nabd.goals.progress import GoalProgress
from nabd.goals.schemas import (
    ForecastOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    OwnerOut,
    PointOut,
    ProgressOut,
    ScopeOut,
    TargetOut,
)
from nabd.goals.targets import TargetKind
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["goals"])

ReadGoals = Annotated[Principal, Depends(require(Permission.GOALS_READ))]
WriteGoals = Annotated[Principal, Depends(require(Permission.GOALS_WRITE))]
Pagination = Annotated[PageRequest, Depends(page_request)]


def progress_out(evaluated: GoalProgress) -> ProgressOut:
    forecast = evaluated.forecast
    return ProgressOut(
        status=evaluated.status,
        current=evaluated.current,
        n=evaluated.n,
        progress=evaluated.progress,
        forecast=ForecastOut(
            intercept=forecast.line.intercept,
            slope_per_day=forecast.line.slope,
            projected=forecast.projected,
        )
        if forecast
        else None,
        series=[
            PointOut(start=p.bucket.start, end=p.bucket.end, value=p.value, n=p.n)
            for p in evaluated.series
        ],
    )


def goal_out(session: Session, goal: Goal, settings: Settings) -> GoalOut:
    return GoalOut(
        id=goal.id,
        name=goal.name,
        metric=goal.metric,
        scope=ScopeOut(
            channel_id=goal.channel_id,
            touchpoint_id=goal.touchpoint_id,
            survey_id=goal.survey_id,
            segment_id=goal.segment_id,
        ),
        baseline=goal.baseline,
        target=TargetOut(
            kind=TargetKind(goal.target_kind),
            amount=goal.target_amount,
            value=progress.target_of(goal),
        ),
        start_date=goal.start_date,
        end_date=goal.end_date,
        owner=OwnerOut(id=goal.owner.id, display_name=goal.owner.display_name)
        if goal.owner
        else None,
        archived=goal.archived_at is not None,
        progress=progress_out(
            progress.evaluate(session, goal=goal, today=progress.today(), settings=settings)
        ),
        created_at=goal.created_at,
        updated_at=goal.updated_at,
    )


@router.get("/goals")
def list_goals(
    request: Request,
    session: DbSession,
    principal: ReadGoals,
    page: Pagination,
    include_archived: Annotated[bool, Query()] = False,
) -> ListResponse[GoalOut]:
    result = service.list_goals(
        session, workspace_id=principal.workspace_id, page=page, include_archived=include_archived
    )
    return ListResponse(
        items=[goal_out(session, goal, request.app.state.settings) for goal in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("/goals", status_code=201)
def create_goal(
    request: Request, session: DbSession, principal: WriteGoals, data: GoalIn
) -> GoalOut:
    settings = request.app.state.settings
    goal = service.create_goal(
        session,
        workspace_id=principal.workspace_id,
        data=data,
        actor=principal.actor,
        settings=settings,
    )
    return goal_out(session, goal, settings)


@router.get("/goals/{goal_id}")
def get_goal(request: Request, session: DbSession, principal: ReadGoals, goal_id: int) -> GoalOut:
    goal = service.get_goal(session, workspace_id=principal.workspace_id, goal_id=goal_id)
    return goal_out(session, goal, request.app.state.settings)


@router.patch("/goals/{goal_id}")
def update_goal(
    request: Request, session: DbSession, principal: WriteGoals, goal_id: int, changes: GoalPatch
) -> GoalOut:
    settings = request.app.state.settings
    goal = service.update_goal(
        session,
        workspace_id=principal.workspace_id,
        goal_id=goal_id,
        changes=changes,
        actor=principal.actor,
        settings=settings,
    )
    return goal_out(session, goal, settings)


@router.post("/goals/{goal_id}/archive")
def archive_goal(
    request: Request, session: DbSession, principal: WriteGoals, goal_id: int
) -> GoalOut:
    goal = service.archive_goal(
        session, workspace_id=principal.workspace_id, goal_id=goal_id, actor=principal.actor
    )
    return goal_out(session, goal, request.app.state.settings)
