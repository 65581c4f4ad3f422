"""The goals pages: list with status and notifications, create, detail with a chart, edit, archive.

Plain forms that work without JavaScript; every change goes through the service.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import NabdError
from nabd.core.i18n import N_
from nabd.goals import notifications, progress, service
from nabd.goals.chart import chart_data
from nabd.goals.forecast import GoalStatus
from nabd.goals.models import Goal
from nabd.goals.quarters import Quarter, quick_picks
from nabd.goals.schemas import GoalIn, GoalPatch
from nabd.goals.targets import GOAL_METRICS, TargetKind
from nabd.journeys import service as journeys
from nabd.segments import service as segments
from nabd.surveys import service as surveys
from nabd.web.form_errors import error_messages
from nabd.web.navigation import NavItem
from nabd.web.pages import flash, render_page
from nabd.workspaces import service as workspaces
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/goals", dependencies=[Depends(check_csrf)], include_in_schema=False)

NAV_ITEMS = (NavItem("goals", N_("Goals"), "/goals", Permission.GOALS_READ),)

ReadGoals = Annotated[Principal, Depends(require(Permission.GOALS_READ))]
WriteGoals = Annotated[Principal, Depends(require(Permission.GOALS_WRITE))]

FIELD_LABELS = {
    "name": N_("Name"),
    "metric": N_("Metric"),
    "channel_id": N_("Channel"),
    "touchpoint_id": N_("Touchpoint"),
    "survey_id": N_("Survey"),
    "segment_id": N_("Segment"),
    "baseline": N_("Baseline"),
    "target_kind": N_("Target"),
    "target_amount": N_("Target"),
    "start_date": N_("Start date"),
    "end_date": N_("End date"),
    "owner_id": N_("Owner"),
}
OPTIONAL_FIELDS = ("channel_id", "touchpoint_id", "survey_id", "segment_id", "baseline")


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def _fields(form: FormData) -> dict[str, str]:
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def goal_document(fields: dict[str, str]) -> dict[str, Any]:
    """The form as GoalIn input: a picked quarter sets the dates; blank optional fields are None."""
    document: dict[str, Any] = {
        key: fields[key] for key in FIELD_LABELS if fields.get(key, "") != ""
    }
    quarter = Quarter.parse(fields.get("period", ""))
    if quarter is not None:
        document["start_date"], document["end_date"] = quarter.start, quarter.end
    for key in OPTIONAL_FIELDS:
        document.setdefault(key, None)
    return document


def _form_choices(session: Session, principal: Principal) -> dict[str, Any]:
    workspace_id = principal.workspace_id
    return {
        "metrics": GOAL_METRICS,
        "target_kinds": list(TargetKind),
        "quarters": quick_picks(progress.today()),
        "channels": journeys.list_channels(session, workspace_id=workspace_id),
        "touchpoints": surveys.list_touchpoints(session, workspace_id=workspace_id),
        "surveys": surveys.all_surveys(session, workspace_id=workspace_id),
        "segments": segments.list_segments(session, workspace_id=workspace_id),
        "members": [
            membership
            for membership in workspaces.list_all_members(session, workspace_id=workspace_id)
            if membership.is_active
        ],
    }


def _list_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    today = progress.today()
    goals = service.active_goals(session, workspace_id=principal.workspace_id)
    user_id = principal.user.id if principal.user else None
    return render_page(
        request,
        "goals/list.html",
        {
            "goals": [
                (
                    goal,
                    progress.evaluate(
                        session, goal=goal, today=today, settings=request.app.state.settings
                    ),
                    progress.target_of(goal),
                )
                for goal in goals
            ],
            "notifications": [
                (note, GoalStatus(note.status))
                for note in notifications.unread(
                    session, workspace_id=principal.workspace_id, user_id=user_id
                )
            ]
            if user_id
            else [],
            "errors": errors or [],
            "form": form or {"owner_id": str(user_id or "")},
            **_form_choices(session, principal),
        },
        status_code=status_code,
    )


def _detail_page(
    request: Request,
    session: Session,
    principal: Principal,
    goal: Goal,
    *,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    evaluated = progress.evaluate(
        session, goal=goal, today=progress.today(), settings=request.app.state.settings
    )
    return render_page(
        request,
        "goals/detail.html",
        {
            "goal": goal,
            "evaluated": evaluated,
            "target": progress.target_of(goal),
            "chart": chart_data(goal=goal, evaluated=evaluated, target=progress.target_of(goal)),
            "errors": errors or [],
            "form": form or _form_of(goal),
            "can_write": principal.can(Permission.GOALS_WRITE),
            **_form_choices(session, principal),
        },
        status_code=status_code,
    )


def _form_of(goal: Goal) -> dict[str, str]:
    def text(value: object) -> str:
        if value is None:
            return ""
        return f"{value:g}" if isinstance(value, float) else str(value)

    return {key: text(value) for key, value in service.as_input(goal).items()}


@router.get("")
def goal_list(request: Request, session: DbSession, principal: ReadGoals) -> Response:
    return _list_page(request, session, principal)


@router.post("")
def create_goal(
    request: Request, session: DbSession, principal: WriteGoals, form: Form
) -> Response:
    fields = _fields(form)
    try:
        goal = service.create_goal(
            session,
            workspace_id=principal.workspace_id,
            data=GoalIn.model_validate(goal_document(fields)),
            actor=principal.actor,
            settings=request.app.state.settings,
        )
    except (ValidationError, NabdError) as error:
        return _list_page(
            request,
            session,
            principal,
            errors=error_messages(request, error, labels=FIELD_LABELS),
            form=fields,
            status_code=422,
        )
    flash(request, N_("Goal created."))
    return RedirectResponse(f"/goals/{goal.id}", status_code=303)


@router.post("/notifications/read")
def read_notifications(request: Request, session: DbSession, principal: ReadGoals) -> Response:
    if principal.user is not None:
        notifications.mark_all_read(
            session, workspace_id=principal.workspace_id, user_id=principal.user.id
        )
    return RedirectResponse("/goals", status_code=303)


@router.get("/{goal_id}")
def goal_detail(
    request: Request, session: DbSession, principal: ReadGoals, goal_id: int
) -> Response:
    goal = service.get_goal(session, workspace_id=principal.workspace_id, goal_id=goal_id)
    return _detail_page(request, session, principal, goal)


@router.post("/{goal_id}")
def update_goal(
    request: Request, session: DbSession, principal: WriteGoals, goal_id: int, form: Form
) -> Response:
    service.get_goal(session, workspace_id=principal.workspace_id, goal_id=goal_id)
    fields = _fields(form)
    try:
        service.update_goal(
            session,
            workspace_id=principal.workspace_id,
            goal_id=goal_id,
            changes=GoalPatch.model_validate(goal_document(fields)),
            actor=principal.actor,
            settings=request.app.state.settings,
        )
    except (ValidationError, NabdError) as error:
        # The service checks before it changes anything, so the goal is still as stored.
        return _detail_page(
            request,
            session,
            principal,
            service.get_goal(session, workspace_id=principal.workspace_id, goal_id=goal_id),
            errors=error_messages(request, error, labels=FIELD_LABELS),
            form=fields,
            status_code=422,
        )
    flash(request, N_("Goal saved."))
    return RedirectResponse(f"/goals/{goal_id}", status_code=303)


@router.post("/{goal_id}/archive")
def archive_goal(
    request: Request, session: DbSession, principal: WriteGoals, goal_id: int
) -> Response:
    service.archive_goal(
        session, workspace_id=principal.workspace_id, goal_id=goal_id, actor=principal.actor
    )
    flash(request, N_("Goal archived."))
    return RedirectResponse("/goals", status_code=303)
