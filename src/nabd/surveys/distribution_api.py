"""JSON API of distribution: personal invitations and event triggers of a survey."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.phone_region import PhoneRegion
from nabd.surveys import invitations, triggers
from nabd.surveys.distribution_schemas import (
    ChannelRate,
    InvitationIn,
    InvitationList,
    InvitationOut,
    TriggerIn,
    TriggerOut,
    TriggerPatch,
)
from nabd.surveys.models import Survey, SurveyInvitation, SurveyTrigger
from nabd.surveys.service import get_survey
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["surveys"])

ReadSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_READ))]
WriteSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_WRITE))]
MAX_LISTED = 500


def _own_survey(session: DbSession, principal: ReadSurveys, survey_id: int) -> Survey:
    # A dependency, so another workspace's survey is a 404 before the body is even validated.
    return get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)


OwnSurvey = Annotated[Survey, Depends(_own_survey)]


class TriggerList(BaseModel):
    items: list[TriggerOut]


def public_base(request: Request) -> str:
    """Where respondents reach nabd: NABD_PUBLIC_URL, else the address this request used."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def invitation_out(invitation: SurveyInvitation, token: str, base: str) -> InvitationOut:
    return InvitationOut(
        id=invitation.id,
        survey_id=invitation.survey_id,
        customer_id=invitation.customer_id,
        channel=invitation.channel,
        language=invitation.language,
        status=invitation.status,
        token=token,
        url=f"{base}/s/{token}",
        trigger_id=invitation.trigger_id,
        event_id=invitation.event_id,
        due_at=invitation.due_at,
        # While "sending", sent_at holds the claim time, not a delivery.
        sent_at=invitation.sent_at if invitation.status != "sending" else None,
        opened_at=invitation.opened_at,
        answered_at=invitation.answered_at,
        reminder_sent_at=invitation.reminder_sent_at,
        error=invitation.error,
    )


def trigger_out(trigger: SurveyTrigger) -> TriggerOut:
    return TriggerOut.model_validate(trigger, from_attributes=True)


def _rates(session: DbSession, *, workspace_id: int, survey_id: int) -> list[ChannelRate]:
    counts = invitations.response_rate_by_channel(
        session, workspace_id=workspace_id, survey_id=survey_id
    )
    return [
        ChannelRate(channel=channel, invited=c.invited, answered=c.answered, rate=c.rate)
        for channel, c in sorted(counts.items())
    ]


@router.post("/surveys/{survey_id}/invitations", status_code=201)
def create_invitations(
    request: Request,
    session: DbSession,
    principal: WriteSurveys,
    _region: PhoneRegion,
    survey: OwnSurvey,
    data: InvitationIn,
) -> InvitationList:
    """Personal links for known customers. E-mail, SMS and WhatsApp invitations are queued and
    sent by the background sender; other channels return the link for the caller to show."""
    created = invitations.create_invitations(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey.id,
        data=data,
        actor=principal.actor,
    )
    tokens = dict(invitations.tokens_of(session, invitations=created))
    base = public_base(request)
    return InvitationList(
        items=[invitation_out(i, tokens[i.id], base) for i in created],
        rates=_rates(session, workspace_id=principal.workspace_id, survey_id=survey.id),
    )


@router.get("/surveys/{survey_id}/invitations")
def list_invitations(
    request: Request,
    session: DbSession,
    principal: ReadSurveys,
    survey_id: int,
    limit: Annotated[int, Query(ge=1, le=MAX_LISTED)] = 100,
) -> InvitationList:
    """The latest invitations with their statuses, and the response rate per channel."""
    survey = get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    invitations.sync_answered(session, workspace_id=principal.workspace_id)
    rows = invitations.list_invitations(
        session, workspace_id=principal.workspace_id, survey_id=survey.id, limit=limit
    )
    base = public_base(request)
    return InvitationList(
        items=[invitation_out(invitation, token, base) for invitation, token in rows],
        rates=_rates(session, workspace_id=principal.workspace_id, survey_id=survey.id),
    )


@router.get("/surveys/{survey_id}/triggers")
def list_triggers(session: DbSession, principal: ReadSurveys, survey_id: int) -> TriggerList:
    survey = get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    found = triggers.list_triggers(
        session, workspace_id=principal.workspace_id, survey_id=survey.id
    )
    return TriggerList(items=[trigger_out(trigger) for trigger in found])


@router.post("/surveys/{survey_id}/triggers", status_code=201)
def create_trigger(
    session: DbSession, principal: WriteSurveys, survey: OwnSurvey, data: TriggerIn
) -> TriggerOut:
    """Invite customers to this survey when an event of the given type arrives for them."""
    trigger = triggers.create_trigger(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey.id,
        data=data,
        actor=principal.actor,
    )
    return trigger_out(trigger)


@router.patch("/surveys/{survey_id}/triggers/{trigger_id}")
def change_trigger(
    session: DbSession,
    principal: WriteSurveys,
    survey: OwnSurvey,
    trigger_id: int,
    data: TriggerPatch,
) -> TriggerOut:
    """Pause (`{"active": false}`) or resume a trigger."""
    trigger = triggers.set_trigger_active(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey.id,
        trigger_id=trigger_id,
        active=data.active,
        actor=principal.actor,
    )
    return trigger_out(trigger)
