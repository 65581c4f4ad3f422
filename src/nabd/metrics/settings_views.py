"""`/settings/metrics`: the workspace's churn window, for admins (a plain form, audited)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.i18n import N_
from nabd.metrics import workspace_settings
from nabd.web.form_errors import field_errors
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(
    prefix="/settings/metrics", dependencies=[Depends(check_csrf)], include_in_schema=False
)

ManageSettings = Annotated[Principal, Depends(require(Permission.SETTINGS_MANAGE))]
TEMPLATE = "metrics/settings_metrics.html"


class ChurnWindowIn(BaseModel):
    churn_inactive_days: int = Field(ge=workspace_settings.MIN_DAYS, le=workspace_settings.MAX_DAYS)


def _page(
    request: Request,
    form: dict[str, str],
    *,
    default: int,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    context = {"form": form, "default_days": default, "errors": errors or {}}
    return render_page(request, TEMPLATE, context, status_code=status_code)


@router.get("")
def metrics_settings(request: Request, session: DbSession, principal: ManageSettings) -> Response:
    default = request.app.state.settings.metrics_churn_inactive_days
    days = workspace_settings.churn_inactive_days(session, workspace_id=principal.workspace_id)
    return _page(request, {"churn_inactive_days": str(days or default)}, default=default)


@router.post("")
def save_metrics_settings(
    request: Request,
    session: DbSession,
    principal: ManageSettings,
    churn_inactive_days: Annotated[str, Form()] = "",
) -> Response:
    default = request.app.state.settings.metrics_churn_inactive_days
    submitted = {"churn_inactive_days": churn_inactive_days.strip()}
    try:
        data = ChurnWindowIn.model_validate(submitted)
    except ValidationError as error:
        errors = field_errors(request, error)
        return _page(request, submitted, default=default, errors=errors, status_code=422)
    workspace_settings.set_churn_inactive_days(
        session,
        workspace_id=principal.workspace_id,
        days=data.churn_inactive_days,
        actor=principal.actor,
    )
    flash(request, N_("Metric settings saved."))
    return RedirectResponse("/settings/metrics", status_code=303)
