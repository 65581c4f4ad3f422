"""Settings → Display: each signed-in user picks digits and calendar for Arabic pages."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from nabd.api.access import Principal, UserRef, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import PermissionDenied
from nabd.core.i18n import N_
from nabd.web.form_errors import field_errors
from nabd.web.pages import flash, render_page
from nabd.workspaces.display import Calendar, Digits, set_display_preferences
from nabd.workspaces.roles import Permission

router = APIRouter(
    prefix="/settings/display", dependencies=[Depends(check_csrf)], include_in_schema=False
)
Reader = Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))]
TEMPLATE = "workspaces/settings_display.html"


class DisplayForm(BaseModel):
    """The form as submitted."""

    digits: Digits
    calendar: Calendar


def _user(principal: Principal) -> UserRef:
    if principal.user is None:
        raise PermissionDenied(N_("Only a signed-in user has display preferences."))
    return principal.user


def _page(
    request: Request, form: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    return render_page(request, TEMPLATE, {"form": form, "errors": errors}, status_code=status_code)


@router.get("")
def display_settings(request: Request, principal: Reader) -> Response:
    user = _user(principal)
    return _page(request, {"digits": user.digits, "calendar": user.calendar}, {})


@router.post("")
def save_display_settings(
    request: Request,
    session: DbSession,
    principal: Reader,
    digits: Annotated[str, Form(max_length=20)] = "",
    calendar: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    user = _user(principal)
    submitted = {"digits": digits, "calendar": calendar}
    try:
        form = DisplayForm.model_validate(submitted)
    except ValidationError as error:
        return _page(request, submitted, field_errors(request, error), status_code=422)
    set_display_preferences(
        session,
        user_id=user.id,
        digits=form.digits,
        calendar=form.calendar,
        actor=principal.actor,
        workspace_id=principal.workspace_id,
    )
    flash(request, N_("Display preferences saved."))
    return RedirectResponse("/settings/display", status_code=303)
