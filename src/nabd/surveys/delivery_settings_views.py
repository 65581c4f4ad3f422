"""Settings page of survey delivery: the SMTP server, the SMS/WhatsApp webhook provider and
the contact-frequency rules of the workspace (administrators)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.i18n import N_
from nabd.surveys import delivery_settings
from nabd.surveys.distribution_schemas import DeliverySettingsIn
from nabd.surveys.forms import plain_fields, submitted_form
from nabd.web.form_errors import error_messages
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(
    prefix="/settings/survey-delivery", dependencies=[Depends(check_csrf)], include_in_schema=False
)

ManageSettings = Annotated[Principal, Depends(require(Permission.SETTINGS_MANAGE))]
Form = Annotated[FormData, Depends(submitted_form)]


def _page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    current = delivery_settings.get_delivery_settings(session, workspace_id=principal.workspace_id)
    return render_page(
        request,
        "surveys/delivery_settings.html",
        {"delivery": current, "errors": errors or []},
        status_code=status_code,
    )


@router.get("")
def delivery_settings_page(
    request: Request, session: DbSession, principal: ManageSettings
) -> Response:
    return _page(request, session, principal)


@router.post("")
def save_delivery_settings(
    request: Request, session: DbSession, principal: ManageSettings, form: Form
) -> Response:
    fields = plain_fields(form)
    document: dict[str, Any] = {
        name: value
        for name, value in fields.items()
        if name in DeliverySettingsIn.model_fields and name != "clear_secrets" and value != ""
    }
    document["clear_secrets"] = bool(fields.get("clear_secrets"))
    try:
        data = DeliverySettingsIn.model_validate(document)
    except ValidationError as error:
        messages = error_messages(request, error)
        return _page(request, session, principal, errors=messages, status_code=422)
    delivery_settings.update_delivery_settings(
        session,
        workspace_id=principal.workspace_id,
        data=data,
        secret_key=request.app.state.settings.resolved_secret_key,
        actor=principal.actor,
    )
    flash(request, N_("Delivery settings saved."))
    return RedirectResponse("/settings/survey-delivery", status_code=303)
