"""The segments pages: list with sizes, create and edit with a preview count, delete.

Plain forms that work without JavaScript: the definition is a fixed number of condition rows,
and a "Preview" button posts the form back with the number of customers it matches now.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import NabdError
from nabd.core.i18n import N_, gettext
from nabd.journeys import service as journeys
from nabd.segments import service
from nabd.segments.definition import FIELD_LABELS, FIELD_OPERATORS, OPERATOR_LABELS
from nabd.segments.form import BLANK_ROWS, definition_from_form, form_of
from nabd.segments.models import Segment
from nabd.segments.schemas import SegmentIn, SegmentPatch
from nabd.segments.tasks import refresh_later_if_pending
from nabd.web.form_errors import error_messages
from nabd.web.locale import request_locale
from nabd.web.navigation import NavItem
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/segments", dependencies=[Depends(check_csrf)], include_in_schema=False)

NAV_ITEMS = (NavItem("segments", N_("Segments"), "/segments", Permission.SEGMENTS_READ),)

ReadSegments = Annotated[Principal, Depends(require(Permission.SEGMENTS_READ))]
WriteSegments = Annotated[Principal, Depends(require(Permission.SEGMENTS_WRITE))]

NAME_LABELS = {
    "name_ar": N_("Name in Arabic"),
    "name_en": N_("Name in English"),
    "description": N_("Description"),
    "definition": N_("Conditions"),
    "definition.match": N_("Match"),
}


async def _form(request: Request) -> FormData:
    return await request.form()


Form = Annotated[FormData, Depends(_form)]


def _fields(form: FormData) -> dict[str, str]:
    return {key: value.strip() for key, value in form.items() if isinstance(value, str)}


def _labels(
    request: Request, error: NabdError | ValidationError, rows: list[int]
) -> dict[str, str]:
    """Field labels, with "Condition 3" for every path inside the third condition row."""
    labels = dict(NAME_LABELS)
    if isinstance(error, NabdError):
        locale = request_locale(request)
        for detail in error.details:
            prefix = "definition.conditions["
            if detail.field.startswith(prefix):
                index = int(detail.field[len(prefix) :].split("]", 1)[0])
                row = rows[index] + 1 if index < len(rows) else index + 1
                labels[detail.field] = gettext(locale, N_("Condition %(row)s")) % {"row": row}
    return labels


def _edit_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    segment: Segment | None,
    form: dict[str, str],
    errors: list[str] | None = None,
    preview: int | None = None,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        "segments/edit.html",
        {
            "segment": segment,
            "form": form,
            "rows": _row_count(form),
            "errors": errors or [],
            "preview": preview,
            "field_labels": FIELD_LABELS,
            "field_operators": FIELD_OPERATORS,
            "operator_labels": OPERATOR_LABELS,
            "channels": journeys.list_channels(session, workspace_id=principal.workspace_id),
            "can_write": principal.can(Permission.SEGMENTS_WRITE),
        },
        status_code=status_code,
    )


def _row_count(form: dict[str, str]) -> int:
    used = [
        int(key.split("-")[1])
        for key in form
        if key.startswith("field-") and key.split("-")[1].isdigit() and form[key]
    ]
    return max(used, default=-1) + 1 + BLANK_ROWS


@router.get("")
def segment_list(request: Request, session: DbSession, principal: ReadSegments) -> Response:
    segments = service.list_segments(session, workspace_id=principal.workspace_id)
    return render_page(
        request,
        "segments/list.html",
        {"segments": segments, "can_write": principal.can(Permission.SEGMENTS_WRITE)},
    )


@router.get("/new")
def new_segment(request: Request, session: DbSession, principal: WriteSegments) -> Response:
    return _edit_page(request, session, principal, segment=None, form={"match": "all"})


def _save_or_preview(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    segment: Segment | None,
    fields: dict[str, str],
) -> Response:
    document, rows = definition_from_form(fields)
    try:
        if fields.get("action") == "preview":
            size = service.preview_size(
                session, workspace_id=principal.workspace_id, document=document
            )
            return _edit_page(
                request, session, principal, segment=segment, form=fields, preview=size
            )
        data = {
            "name_ar": fields.get("name_ar", ""),
            "name_en": fields.get("name_en", ""),
            "description": fields.get("description", ""),
            "definition": document,
        }
        if segment is None:
            saved = service.create_segment(
                session,
                workspace_id=principal.workspace_id,
                data=SegmentIn.model_validate(data),
                actor=principal.actor,
            )
            flash(request, N_("Segment created."))
            refresh_later_if_pending(session, saved)
        else:
            saved = service.update_segment(
                session,
                workspace_id=principal.workspace_id,
                segment_id=segment.id,
                changes=SegmentPatch.model_validate(data),
                actor=principal.actor,
            )
            flash(request, N_("Segment saved."))
            refresh_later_if_pending(session, saved)
    except (ValidationError, NabdError) as error:
        return _edit_page(
            request,
            session,
            principal,
            segment=segment,
            form=fields,
            errors=error_messages(request, error, labels=_labels(request, error, rows)),
            status_code=422,
        )
    return RedirectResponse(f"/segments/{saved.id}", status_code=303)


@router.post("")
def create_segment(
    request: Request, session: DbSession, principal: WriteSegments, form: Form
) -> Response:
    return _save_or_preview(request, session, principal, segment=None, fields=_fields(form))


@router.get("/{segment_id}")
def segment_detail(
    request: Request, session: DbSession, principal: ReadSegments, segment_id: int
) -> Response:
    segment = service.get_segment(
        session, workspace_id=principal.workspace_id, segment_id=segment_id
    )
    return _edit_page(request, session, principal, segment=segment, form=form_of(segment))


@router.post("/{segment_id}")
def update_segment(
    request: Request, session: DbSession, principal: WriteSegments, segment_id: int, form: Form
) -> Response:
    segment = service.get_segment(
        session, workspace_id=principal.workspace_id, segment_id=segment_id
    )
    return _save_or_preview(request, session, principal, segment=segment, fields=_fields(form))


@router.post("/{segment_id}/delete")
def delete_segment(
    request: Request, session: DbSession, principal: WriteSegments, segment_id: int
) -> Response:
    try:
        service.delete_segment(
            session,
            workspace_id=principal.workspace_id,
            segment_id=segment_id,
            actor=principal.actor,
        )
    except service.SegmentInUse as error:
        flash(request, error.message, level="danger", **error.params)
        return RedirectResponse(f"/segments/{segment_id}", status_code=303)
    flash(request, N_("Segment deleted."))
    return RedirectResponse("/segments", status_code=303)
