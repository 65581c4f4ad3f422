"""Invitations: one personal link per customer and channel, and what became of it.

Each invitation owns a personal `SurveyDistribution` (its token), so the response joins the
customer's profile and can be answered once. Its status moves queued → sending (claimed;
`sent_at` then holds the claim time, see delivery.py) → sent | failed | skipped, then opened
(the public page was loaded with its token) and answered (a response exists for its link).
"Answered" is derived from the responses themselves, so the response path needs no hook.
Never commits.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Exists, exists, func, select, update
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.customers import service as customers
from nabd.customers.identity import resolve_customers
from nabd.customers.models import CustomerIdentity
from nabd.surveys.distribution_schemas import InvitationIn
from nabd.surveys.errors import LinkNotFound, SurveyNotOpen
from nabd.surveys.models import (
    SENT_CHANNELS,
    Survey,
    SurveyDistribution,
    SurveyInvitation,
    SurveyResponse,
)
from nabd.surveys.responses import channel_keys
from nabd.surveys.service import get_survey
from nabd.workspaces import service as workspaces

TOKEN_BYTES = 18
# Statuses of an invitation that reached the customer and has not been answered yet.
AWAITING_ANSWER = ("sent", "opened")


@dataclass(frozen=True)
class ChannelCounts:
    """Invitations that reached customers on one channel, and how many were answered."""

    invited: int
    answered: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None


def has_response() -> Exists:
    return exists().where(
        SurveyResponse.workspace_id == SurveyInvitation.workspace_id,
        SurveyResponse.invitation_id == SurveyInvitation.distribution_id,
    )


def invitation_language(
    session: Session, *, workspace_id: int, customer_id: int, wanted: str | None
) -> str:
    """The language asked for, else the customer's, else the workspace's."""
    if wanted:
        return wanted
    customer = customers.get_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    if customer.language in ("ar", "en"):
        return customer.language
    return workspaces.get_workspace(session, workspace_id=workspace_id).default_language


def personal_link(
    survey: Survey, customer_id: int, channel: str, language: str, *, channel_id: int | None = None
) -> SurveyDistribution:
    """A customer's own link to the survey, not yet added: its token makes the response join
    the customer's profile, and answers it once. An in-app prompt answers through the API."""
    return SurveyDistribution(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        kind=channel if channel != "in_app" else "api",
        token=secrets.token_urlsafe(TOKEN_BYTES),
        customer_id=customer_id,
        channel_id=channel_id,
        language=language,
    )


def add_invitation(
    session: Session,
    *,
    survey: Survey,
    customer_id: int,
    channel: str,
    channel_id: int | None,
    language: str,
    due_at: datetime,
    now: datetime,
    reminder_days: int | None = None,
    trigger_id: int | None = None,
    event_id: int | None = None,
) -> SurveyInvitation:
    """A personal link and its invitation. Channels nabd does not send itself (a link, a QR
    code, the widget, an in-app prompt) are handed to the caller at once, so they count as
    sent now; e-mail, SMS and WhatsApp wait in the queue until `due_at`. `channel_id` is the
    workspace's channel of that key, if it has one, so responses carry it."""
    link = personal_link(survey, customer_id, channel, language, channel_id=channel_id)
    session.add(link)
    session.flush()
    queued = channel in SENT_CHANNELS
    invitation = SurveyInvitation(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        distribution_id=link.id,
        customer_id=customer_id,
        trigger_id=trigger_id,
        event_id=event_id,
        channel=channel,
        language=language,
        status="queued" if queued else "sent",
        due_at=due_at,
        sent_at=None if queued else now,
        reminder_due_at=None if reminder_days is None else due_at + timedelta(days=reminder_days),
    )
    session.add(invitation)
    session.flush()
    return invitation


def create_invitations(
    session: Session,
    *,
    workspace_id: int,
    survey_id: int,
    data: InvitationIn,
    actor: Actor,
    now: datetime | None = None,
) -> list[SurveyInvitation]:
    """Invite the given customers (ids and/or identities) to an open survey."""
    now = now or utcnow()
    survey = get_survey(session, workspace_id=workspace_id, survey_id=survey_id)
    if survey.status != "active":
        raise SurveyNotOpen(N_("Open the survey for answers before inviting anyone."))
    customer_ids = [
        customers.get_customer(session, workspace_id=workspace_id, customer_id=customer_id).id
        for customer_id in data.customer_ids
    ]
    customer_ids += resolve_customers(
        session,
        workspace_id=workspace_id,
        references=[reference.identities() for reference in data.customers],
        languages=[data.language] * len(data.customers),
    )
    channel_id = channel_keys(session, workspace_id=workspace_id).get(data.channel)
    created = [
        add_invitation(
            session,
            survey=survey,
            customer_id=customer_id,
            channel=data.channel,
            channel_id=channel_id,
            language=invitation_language(
                session, workspace_id=workspace_id, customer_id=customer_id, wanted=data.language
            ),
            due_at=data.send_at or now,
            now=now,
            reminder_days=data.reminder_days,
        )
        for customer_id in dict.fromkeys(customer_ids)
    ]
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="survey.invite",
        object_type="survey",
        object_id=survey.id,
        details={"channel": data.channel, "invitations": [i.id for i in created]},
    )
    return created


def customers_with_email(session: Session, *, workspace_id: int, limit: int) -> list[int]:
    """Customers of the workspace who have an e-mail address (up to `limit`), for "invite all".

    A read of the customers' identities; the customers domain has no listing by identity kind.
    """
    return list(
        session.scalars(
            select(CustomerIdentity.customer_id)
            .where(CustomerIdentity.workspace_id == workspace_id, CustomerIdentity.kind == "email")
            .distinct()
            .order_by(CustomerIdentity.customer_id)
            .limit(limit)
        )
    )


def mark_opened(session: Session, *, link: SurveyDistribution, now: datetime) -> None:
    """The public page was loaded with this invitation's token."""
    session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.workspace_id == link.workspace_id,
            SurveyInvitation.distribution_id == link.id,
            SurveyInvitation.status == "sent",
        )
        .values(status="opened", opened_at=now)
    )


def sync_answered(session: Session, *, workspace_id: int) -> int:
    """Mark invitations answered once their link has a response; returns how many changed."""
    first_answer = (
        select(func.min(SurveyResponse.submitted_at))
        .where(
            SurveyResponse.workspace_id == SurveyInvitation.workspace_id,
            SurveyResponse.invitation_id == SurveyInvitation.distribution_id,
        )
        .scalar_subquery()
    )
    result = session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.workspace_id == workspace_id,
            SurveyInvitation.status.in_(AWAITING_ANSWER),
            has_response(),
        )
        .values(status="answered", answered_at=first_answer)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_invitations(
    session: Session, *, workspace_id: int, survey_id: int, limit: int = 200
) -> list[tuple[SurveyInvitation, str]]:
    """The survey's latest invitations with their tokens, newest first."""
    rows = session.execute(
        select(SurveyInvitation, SurveyDistribution.token)
        .join(SurveyDistribution, SurveyDistribution.id == SurveyInvitation.distribution_id)
        .where(
            SurveyInvitation.workspace_id == workspace_id,
            SurveyInvitation.survey_id == survey_id,
        )
        .order_by(SurveyInvitation.id.desc())
        .limit(limit)
    )
    return [(invitation, token) for invitation, token in rows]


def response_rate_by_channel(
    session: Session,
    *,
    workspace_id: int,
    survey_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, ChannelCounts]:
    """Invitations that reached customers (sent in [start, end)) and those answered, by channel.

    Answered means a response (complete or partial) exists for the invitation's link, read
    from the responses themselves rather than the stored status.
    """
    answered = func.count(SurveyInvitation.id).filter(has_response())
    query = (
        select(SurveyInvitation.channel, func.count(SurveyInvitation.id), answered)
        .where(
            SurveyInvitation.workspace_id == workspace_id,
            SurveyInvitation.sent_at.is_not(None),
            # A "sending" invitation's sent_at is its claim time: not sent yet.
            SurveyInvitation.status != "sending",
        )
        .group_by(SurveyInvitation.channel)
    )
    if survey_id is not None:
        query = query.where(SurveyInvitation.survey_id == survey_id)
    if start is not None:
        query = query.where(SurveyInvitation.sent_at >= start)
    if end is not None:
        query = query.where(SurveyInvitation.sent_at < end)
    return {
        channel: ChannelCounts(invited=invited, answered=done)
        for channel, invited, done in session.execute(query)
    }


def status_counts(session: Session, *, workspace_id: int, survey_id: int) -> dict[str, int]:
    rows = session.execute(
        select(SurveyInvitation.status, func.count(SurveyInvitation.id))
        .where(
            SurveyInvitation.workspace_id == workspace_id,
            SurveyInvitation.survey_id == survey_id,
        )
        .group_by(SurveyInvitation.status)
    )
    return {status: count for status, count in rows}


def tokens_of(session: Session, *, invitations: list[SurveyInvitation]) -> list[tuple[int, str]]:
    """(invitation id, personal token) for the given invitations."""
    if not invitations:
        return []
    rows = session.execute(
        select(SurveyInvitation.id, SurveyDistribution.token)
        .join(SurveyDistribution, SurveyDistribution.id == SurveyInvitation.distribution_id)
        .where(
            SurveyInvitation.workspace_id == invitations[0].workspace_id,
            SurveyInvitation.id.in_([invitation.id for invitation in invitations]),
        )
    )
    return [(invitation_id, token) for invitation_id, token in rows]


def get_link(
    session: Session, *, workspace_id: int, survey_id: int, link_id: int
) -> SurveyDistribution:
    link = session.scalar(
        select(SurveyDistribution).where(
            SurveyDistribution.workspace_id == workspace_id,
            SurveyDistribution.survey_id == survey_id,
            SurveyDistribution.id == link_id,
        )
    )
    if link is None:
        raise LinkNotFound(N_("This survey link does not exist."))
    return link


def standalone_links(
    session: Session, *, workspace_id: int, survey_id: int
) -> list[SurveyDistribution]:
    """The survey's links that are not an invitation's own (those are listed as invitations,
    and there may be thousands)."""
    return list(
        session.scalars(
            select(SurveyDistribution)
            .where(
                SurveyDistribution.workspace_id == workspace_id,
                SurveyDistribution.survey_id == survey_id,
                ~exists().where(SurveyInvitation.distribution_id == SurveyDistribution.id),
            )
            .order_by(SurveyDistribution.id)
        )
    )
