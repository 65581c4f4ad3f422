"""The journey pages: list and create journeys, edit a journey's stages and their touchpoints.

Plain forms that work without JavaScript: a stage is a row (names, position, remove), and
each touchpoint has a select naming the row of the stage that holds it.
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
from nabd.journeys import service
from nabd.journeys.models import Journey
from nabd.journeys.schemas import MAX_STAGES, JourneyIn, JourneyPatch
from nabd.web.form_errors import error_messages
from nabd.web.navigation import NavItem
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/journeys", dependencies=[Depends(check_csrf)], include_in_schema=False)

NAV_ITEMS = (NavItem("journeys", N_("Journeys"), "/journeys", Permission.WORKSPACE_READ),)

ReadJourneys = Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))]
WriteJourneys = Annotated[Principal, Depends(require(Permission.JOURNEYS_WRITE))]

FIELD_LABELS = {"name_ar": N_("Name (Arabic)"), "name_en": N_("Name (English)")}
# Empty stage rows offered below the existing ones, so stages can be added without JavaScript.
BLANK_ROWS = 2


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def _text(form: FormData, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def journey_changes(form: FormData, touchpoint_keys: list[str]) -> dict[str, Any]:
    """The editor's form as JourneyPatch input.

    Rows marked "remove" and blank new rows are dropped; the rest are ordered by their
    position field (then by row). A touchpoint's select holds the row number of its stage.
    """
    rows = []
    row_count = min(int(_text(form, "stage_rows") or 0), MAX_STAGES + BLANK_ROWS)
    for row in range(row_count):
        prefix = f"stage-{row}-"
        stage_id = _text(form, prefix + "id")
        name_ar, name_en = _text(form, prefix + "name_ar"), _text(form, prefix + "name_en")
        if _text(form, prefix + "remove") or (not stage_id and not name_ar and not name_en):
            continue
        position = _text(form, prefix + "position")
        order = int(position) if position.isdigit() else MAX_STAGES + BLANK_ROWS + row
        rows.append((order, row, {"id": stage_id or None, "name_ar": name_ar, "name_en": name_en}))
    rows.sort(key=lambda item: (item[0], item[1]))
    placed: dict[int, list[str]] = {row: [] for _order, row, _stage in rows}
    for key in touchpoint_keys:
        chosen = _text(form, f"touchpoint-{key}")
        if chosen.isdigit() and int(chosen) in placed:
            placed[int(chosen)].append(key)
    return {
        "name_ar": _text(form, "name_ar"),
        "name_en": _text(form, "name_en"),
        "stages": [{**stage, "touchpoints": placed[row]} for _order, row, stage in rows],
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
    workspace_id = principal.workspace_id
    return render_page(
        request,
        "journeys/list.html",
        {
            "journeys": service.list_journeys(session, workspace_id=workspace_id),
            "touchpoints": {
                touchpoint.id: touchpoint
                for touchpoint in service.list_touchpoints(session, workspace_id=workspace_id)
            },
            "errors": errors or [],
            "form": form or {},
            "can_write": principal.can(Permission.JOURNEYS_WRITE),
        },
        status_code=status_code,
    )


def _edit_page(
    request: Request,
    session: Session,
    principal: Principal,
    journey: Journey,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    touchpoints = service.list_touchpoints(session, workspace_id=principal.workspace_id)
    stage_row = {
        touchpoint_id: row
        for row, stage in enumerate(journey.stages)
        for touchpoint_id in stage.touchpoint_ids
    }
    return render_page(
        request,
        "journeys/edit.html",
        {
            "journey": journey,
            "touchpoints": touchpoints,
            "stage_row": stage_row,
            "blank_rows": BLANK_ROWS,
            "errors": errors or [],
            "can_write": principal.can(Permission.JOURNEYS_WRITE),
        },
        status_code=status_code,
    )


@router.get("")
def journey_list(request: Request, session: DbSession, principal: ReadJourneys) -> Response:
    return _list_page(request, session, principal)


@router.post("")
def create_journey(
    request: Request, session: DbSession, principal: WriteJourneys, form: Form
) -> Response:
    fields = {"name_ar": _text(form, "name_ar"), "name_en": _text(form, "name_en")}
    try:
        journey = service.create_journey(
            session,
            workspace_id=principal.workspace_id,
            data=JourneyIn.model_validate(fields),
            actor=principal.actor,
        )
    except (ValidationError, NabdError) as error:
        messages = error_messages(request, error, labels=FIELD_LABELS)
        return _list_page(
            request, session, principal, errors=messages, form=fields, status_code=422
        )
    flash(request, N_("Journey created. Add its stages and touchpoints."))
    return RedirectResponse(f"/journeys/{journey.id}", status_code=303)


@router.get("/{journey_id}")
def edit_journey(
    request: Request, session: DbSession, principal: ReadJourneys, journey_id: int
) -> Response:
    journey = service.get_journey(
        session, workspace_id=principal.workspace_id, journey_id=journey_id
    )
    return _edit_page(request, session, principal, journey)


@router.post("/{journey_id}")
def update_journey(
    request: Request, session: DbSession, principal: WriteJourneys, journey_id: int, form: Form
) -> Response:
    workspace_id = principal.workspace_id
    journey = service.get_journey(session, workspace_id=workspace_id, journey_id=journey_id)
    keys = [t.key for t in service.list_touchpoints(session, workspace_id=workspace_id)]
    try:
        changes = JourneyPatch.model_validate(journey_changes(form, keys))
        service.update_journey(
            session,
            workspace_id=workspace_id,
            journey_id=journey_id,
            changes=changes,
            actor=principal.actor,
        )
    except (ValidationError, NabdError) as error:
        # The service checks before it changes anything, so the journey is still as stored.
        messages = error_messages(request, error, labels=FIELD_LABELS)
        return _edit_page(request, session, principal, journey, errors=messages, status_code=422)
    flash(request, N_("Journey saved."))
    return RedirectResponse(f"/journeys/{journey_id}", status_code=303)


@router.post("/{journey_id}/delete")
def delete_journey(
    request: Request, session: DbSession, principal: WriteJourneys, journey_id: int
) -> Response:
    service.delete_journey(
        session, workspace_id=principal.workspace_id, journey_id=journey_id, actor=principal.actor
    )
    flash(request, N_("Journey deleted."))
    return RedirectResponse("/journeys", status_code=303)
