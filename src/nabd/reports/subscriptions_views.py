"""Settings → Reports: each signed-in user manages their own scheduled e-mail report."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from nabd.api.access import Principal, UserRef, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import PermissionDenied
from nabd.core.i18n import N_, gettext
from nabd.core.types import utcnow
from nabd.journeys import service as journeys
from nabd.reports import subscriptions
from nabd.reports.subscriptions import Frequency
from nabd.web.form_errors import field_errors
from nabd.web.locale import request_locale
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(
    prefix="/settings/reports", dependencies=[Depends(check_csrf)], include_in_schema=False
)
Reader = Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))]
TEMPLATE = "reports/settings_reports.html"
UNKNOWN_CHANNEL = N_("Choose one of the workspace's channels.")


class SubscriptionForm(BaseModel):
    """The form as submitted; an empty frequency means no scheduled report."""

    frequency: Literal["", "weekly", "monthly"]
    language: Literal["ar", "en"]
    channel: str


def _user(principal: Principal) -> UserRef:
    if principal.user is None:
        raise PermissionDenied(N_("Only a signed-in user can subscribe to reports."))
    return principal.user


def _page(
    request: Request,
    session: DbSession,
    principal: Principal,
    form: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        TEMPLATE,
        {
            "form": form,
            "errors": errors,
            "frequencies": list(Frequency),
            "channels": journeys.list_channels(session, workspace_id=principal.workspace_id),
        },
        status_code=status_code,
    )


@router.get("")
def reports_settings(request: Request, session: DbSession, principal: Reader) -> Response:
    user = _user(principal)
    found = subscriptions.get_subscription(
        session, workspace_id=principal.workspace_id, user_id=user.id
    )
    form = {
        "frequency": found.frequency if found else "",
        "language": found.language if found else request_locale(request),
        "channel": (found.channel or "") if found else "",
    }
    return _page(request, session, principal, form, {})


@router.post("")
def save_reports_settings(
    request: Request,
    session: DbSession,
    principal: Reader,
    frequency: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "",
    channel: Annotated[str, Form()] = "",
) -> Response:
    user = _user(principal)
    submitted = {"frequency": frequency, "language": language, "channel": channel}
    try:
        form = SubscriptionForm.model_validate(submitted)
    except ValidationError as error:
        errors = field_errors(request, error)
        return _page(request, session, principal, submitted, errors, status_code=422)
    keys = {c.key for c in journeys.list_channels(session, workspace_id=principal.workspace_id)}
    if form.channel and form.channel not in keys:
        errors = {"channel": gettext(request_locale(request), UNKNOWN_CHANNEL)}
        return _page(request, session, principal, submitted, errors, status_code=422)
    if form.frequency == "":
        subscriptions.delete_subscription(
            session, workspace_id=principal.workspace_id, user_id=user.id, actor=principal.actor
        )
        flash(request, N_("Scheduled report turned off."))
    else:
        subscriptions.save_subscription(
            session,
            workspace_id=principal.workspace_id,
            user_id=user.id,
            frequency=Frequency(form.frequency),
            language=form.language,
            channel=form.channel or None,
            actor=principal.actor,
            today=utcnow().date(),
        )
        flash(request, N_("Scheduled report saved."))
    return RedirectResponse("/settings/reports", status_code=303)
