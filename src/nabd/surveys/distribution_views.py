"""Pages of distribution: QR downloads, sending invitations, and event triggers of a survey.

The Distribution section itself is part of the survey page (`views.py` asks
`distribution_context` for its data); these handlers take its forms.
"""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import NabdError
from nabd.core.i18n import N_, gettext
from nabd.core.validation import describe_errors
from nabd.surveys import invitations, qr, triggers
from nabd.surveys.distribution_api import public_base
from nabd.surveys.distribution_schemas import InvitationIn, TriggerIn
from nabd.surveys.forms import plain_fields, submitted_form
from nabd.surveys.models import Survey
from nabd.surveys.service import get_survey
from nabd.web.locale import request_locale
from nabd.web.pages import flash
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/surveys", dependencies=[Depends(check_csrf)], include_in_schema=False)

ReadSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_READ))]
WriteSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_WRITE))]
Form = Annotated[FormData, Depends(submitted_form)]
# "Invite all customers with an e-mail" stops here; larger mailings go through the API.
MAX_BULK_INVITATIONS = 5000
LISTED_INVITATIONS = 50


def distribution_context(
    request: Request, session: Session, principal: Principal, survey: Survey
) -> dict[str, Any]:
    """What the survey page's Distribution section shows."""
    workspace_id = principal.workspace_id
    locale = request_locale(request)
    invitations.sync_answered(session, workspace_id=workspace_id)
    listed = invitations.list_invitations(
        session, workspace_id=workspace_id, survey_id=survey.id, limit=LISTED_INVITATIONS
    )
    return {
        "public_base": public_base(request),
        # Each with its note in the reader's language (rule reasons are catalogue ids).
        "invitations": [
            (invitation, gettext(locale, invitation.error) if invitation.error else "")
            for invitation, _token in listed
        ],
        "invitation_counts": invitations.status_counts(
            session, workspace_id=workspace_id, survey_id=survey.id
        ),
        "channel_rates": invitations.response_rate_by_channel(
            session, workspace_id=workspace_id, survey_id=survey.id
        ),
        "triggers": triggers.list_triggers(session, workspace_id=workspace_id, survey_id=survey.id),
        "can_manage_delivery": principal.can(Permission.SETTINGS_MANAGE),
    }


def _back(survey_id: int) -> RedirectResponse:
    return RedirectResponse(f"/surveys/{survey_id}#distribution", status_code=303)


def _fail(request: Request, survey_id: int, error: ValidationError | NabdError) -> Response:
    """Show the first problem as a flash message on the survey page."""
    locale = request_locale(request)
    if isinstance(error, ValidationError):
        first = describe_errors(error.errors(), locale)[0]
        text = f"{first['field']}: {first['reason']}" if first["field"] else first["reason"]
    else:
        text = gettext(locale, error.message)
        text = text % error.params if error.params else text
    flash(request, "%(problem)s", level="danger", problem=text)
    return _back(survey_id)


@router.get("/{survey_id}/links/{link_id}/qr")
def link_qr(
    request: Request,
    session: DbSession,
    principal: ReadSurveys,
    survey_id: int,
    link_id: int,
    fmt: Annotated[qr.QrFormat, Query(alias="format")] = "png",
) -> Response:
    """The link's QR code as a download, for a shop counter or a receipt."""
    link = invitations.get_link(
        session, workspace_id=principal.workspace_id, survey_id=survey_id, link_id=link_id
    )
    return Response(
        qr.qr_code(f"{public_base(request)}/s/{link.token}", fmt),
        media_type=qr.MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="survey-{survey_id}-{link_id}.{fmt}"'
        },
    )


def _customer_ids(text: str) -> list[int]:
    words = [word for word in re.split(r"[\s,،]+", text) if word]
    if not all(word.isdigit() for word in words):
        raise ValueError(text)
    return [int(word) for word in words]


@router.post("/{survey_id}/invitations")
def send_invitations(
    request: Request, session: DbSession, principal: WriteSurveys, survey_id: int, form: Form
) -> Response:
    get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    fields = plain_fields(form)
    try:
        customer_ids = _customer_ids(fields.get("customer_ids", ""))
    except ValueError:
        flash(
            request, N_("Customer ids are numbers separated by commas or spaces."), level="danger"
        )
        return _back(survey_id)
    if fields.get("all_with_email"):
        customer_ids += invitations.customers_with_email(
            session, workspace_id=principal.workspace_id, limit=MAX_BULK_INVITATIONS
        )
    reminder = fields.get("reminder_days", "")
    try:
        data = InvitationIn.model_validate(
            {
                "channel": fields.get("channel", ""),
                "customer_ids": customer_ids[:MAX_BULK_INVITATIONS],
                "language": fields.get("language") or None,
                "reminder_days": int(reminder) if reminder.isdigit() else None,
            }
        )
        created = invitations.create_invitations(
            session,
            workspace_id=principal.workspace_id,
            survey_id=survey_id,
            data=data,
            actor=principal.actor,
        )
    except (ValidationError, NabdError) as error:
        return _fail(request, survey_id, error)
    flash(request, N_("%(count)s invitations created."), count=len(created))
    return _back(survey_id)


@router.post("/{survey_id}/triggers")
def create_trigger(
    request: Request, session: DbSession, principal: WriteSurveys, survey_id: int, form: Form
) -> Response:
    get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    fields = plain_fields(form)
    try:
        data = TriggerIn.model_validate(
            {
                "event_type": fields.get("event_type", ""),
                "channel": fields.get("channel", ""),
                "delay_minutes": _minutes(fields.get("delay", "0"), fields.get("delay_unit", "")),
                "sampling_percent": fields.get("sampling_percent") or 100,
                "reminder_days": fields.get("reminder_days") or None,
            }
        )
        triggers.create_trigger(
            session,
            workspace_id=principal.workspace_id,
            survey_id=survey_id,
            data=data,
            actor=principal.actor,
        )
    except (ValidationError, NabdError) as error:
        return _fail(request, survey_id, error)
    flash(request, N_("Trigger created."))
    return _back(survey_id)


def _minutes(amount: str, unit: str) -> int | str:
    """The delay in minutes; a non-number is passed on for the schema to reject."""
    if not amount.strip().isdigit():
        return amount
    return int(amount) * {"hours": 60, "days": 24 * 60}.get(unit, 1)


@router.post("/{survey_id}/triggers/{trigger_id}/active")
def change_trigger(
    request: Request,
    session: DbSession,
    principal: WriteSurveys,
    survey_id: int,
    trigger_id: int,
    form: Form,
) -> Response:
    active = plain_fields(form).get("active") == "true"
    triggers.set_trigger_active(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey_id,
        trigger_id=trigger_id,
        active=active,
        actor=principal.actor,
    )
    flash(request, N_("Trigger resumed.") if active else N_("Trigger paused."))
    return _back(survey_id)
