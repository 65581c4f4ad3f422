"""Sending due invitations and reminders: each claimed atomically, so none goes out twice.

A sender first claims an invitation with one conditional UPDATE (queued → sending, with the
claim time in `sent_at`) and commits; only the sender whose UPDATE changed the row sends. The
outcome (sent or failed) is written in a second transaction. A process that dies between the
two leaves the invitation "sending"; once its claim is older than `SENDING_LEASE` a later run
claims it again, so it is not lost (the one case where a customer may get a message twice:
the dead process had handed it over but not recorded it). The contact rules and the
customer's preferences are checked at sending time, when they are current, under a lock on
the customer's row so two senders cannot both pass the frequency cap. Every function takes
`now`, so tests control time; `send_due` owns its transactions (it is the job's body).
"""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

import httpx
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from nabd.core.i18n import N_
from nabd.customers import service as customers
from nabd.customers.models import Customer
from nabd.customers.service import IDENTITY_FOR_CHANNEL
from nabd.surveys.delivery_messages import Wording, email_message, short_message
from nabd.surveys.delivery_settings import (
    ContactRules,
    contact_rules,
    decrypt_secret,
    get_delivery_settings,
)
from nabd.surveys.invitations import AWAITING_ANSWER, has_response, sync_answered
from nabd.surveys.models import (
    SENT_CHANNELS,
    SurveyDistribution,
    SurveyInvitation,
    SurveyResponse,
)
from nabd.surveys.service import get_survey
from nabd.surveys.smtp import SmtpConnections, SmtpServer
from nabd.surveys.webhooks import WebhookRejected, post_message, provider_client
from nabd.workspaces import service as workspaces

OpenTransaction = Callable[[], AbstractContextManager[Session]]
BATCH = 500
# How long a claim ("sending") holds before another run may take the invitation over. Far
# longer than one send can last (SMTP and webhook time-outs are 20 and 15 seconds), so only
# a sender that died is overtaken.
SENDING_LEASE = timedelta(minutes=15)

SURVEY_CLOSED = N_("The survey is not open for answers.")
NOT_CONTACTABLE = N_("The customer has no address for this channel or has opted out of it.")
QUIET_PERIOD = N_("The customer answered a survey recently (quiet period).")
LIMIT_REACHED = N_("The customer has reached the invitation limit for this period.")
NO_SMTP = N_("No SMTP server is configured for this workspace.")
NO_PROVIDER = N_("No SMS/WhatsApp provider is configured for this workspace.")


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go, read from the database before the sending starts."""

    workspace_id: int
    channel: str
    to: str
    wording: Wording
    sender: str | None = None
    smtp: SmtpServer | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    reminders: int = 0
    errors: list[str] = field(default_factory=list)


def contact_blocked(
    session: Session, *, invitation: SurveyInvitation, rules: ContactRules, now: datetime
) -> str | None:
    """Why this customer must not be contacted now (catalogue message id), or None."""
    workspace_id = invitation.workspace_id
    customer_id = invitation.customer_id
    if customer_id is None or not customers.may_contact(
        session, workspace_id=workspace_id, customer_id=customer_id, channel=invitation.channel
    ):
        return NOT_CONTACTABLE
    if rules.quiet_days:
        answered = session.scalar(
            select(func.count(SurveyResponse.id)).where(
                SurveyResponse.workspace_id == workspace_id,
                SurveyResponse.customer_id == customer_id,
                SurveyResponse.submitted_at > now - timedelta(days=rules.quiet_days),
                SurveyResponse.submitted_at <= now,
            )
        )
        if answered:
            return QUIET_PERIOD
    if rules.max_invitations is not None:
        recent = session.scalar(
            select(func.count(SurveyInvitation.id)).where(
                SurveyInvitation.workspace_id == workspace_id,
                SurveyInvitation.customer_id == customer_id,
                SurveyInvitation.id != invitation.id,
                SurveyInvitation.channel.in_(SENT_CHANNELS),
                SurveyInvitation.sent_at > now - timedelta(days=rules.window_days),
                SurveyInvitation.sent_at <= now,
            )
        )
        if (recent or 0) >= rules.max_invitations:
            return LIMIT_REACHED
    return None


def _address(session: Session, invitation: SurveyInvitation) -> str:
    assert invitation.customer_id is not None
    customer = customers.get_customer(
        session, workspace_id=invitation.workspace_id, customer_id=invitation.customer_id
    )
    kind = IDENTITY_FOR_CHANNEL[invitation.channel]
    return next(identity.value for identity in customer.identities if identity.kind == kind)


def _outgoing(
    session: Session,
    *,
    invitation: SurveyInvitation,
    secret_key: str,
    public_url: str,
    reminder: bool,
) -> Outgoing | str:
    """The message to send, or why it cannot be sent (a failure, not a rule)."""
    workspace_id = invitation.workspace_id
    settings = get_delivery_settings(session, workspace_id=workspace_id)
    survey = get_survey(session, workspace_id=workspace_id, survey_id=invitation.survey_id)
    token = session.scalar(
        select(SurveyDistribution.token).where(
            SurveyDistribution.workspace_id == workspace_id,
            SurveyDistribution.id == invitation.distribution_id,
        )
    )
    wording = Wording(
        language=invitation.language,
        company=workspaces.get_workspace(session, workspace_id=workspace_id).name,
        survey_title=survey.title_ar if invitation.language == "ar" else survey.title_en,
        link=f"{public_url}/s/{token}",
        reminder=reminder,
    )
    to = _address(session, invitation)
    if invitation.channel == "email":
        if not settings.smtp_host or not settings.smtp_from:
            return NO_SMTP
        server = SmtpServer(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=decrypt_secret(secret_key, settings.smtp_password_encrypted),
        )
        return Outgoing(workspace_id, "email", to, wording, sender=settings.smtp_from, smtp=server)
    if not settings.webhook_url:
        return NO_PROVIDER
    secret = decrypt_secret(secret_key, settings.webhook_secret_encrypted)
    return Outgoing(
        workspace_id,
        invitation.channel,
        to,
        wording,
        webhook_url=settings.webhook_url,
        webhook_secret=secret,
    )


def deliver(outgoing: Outgoing, *, http: httpx.Client, mail: SmtpConnections) -> str | None:
    """Send one message; None when accepted, else what went wrong (shown to the analyst)."""
    try:
        if outgoing.smtp is not None:
            assert outgoing.sender is not None
            mail.send(
                outgoing.workspace_id,
                outgoing.smtp,
                email_message(outgoing.wording, sender=outgoing.sender, recipient=outgoing.to),
            )
        else:
            assert outgoing.webhook_url is not None
            post_message(
                http,
                outgoing.webhook_url,
                secret=outgoing.webhook_secret,
                to=outgoing.to,
                channel=outgoing.channel,
                message=short_message(outgoing.wording),
                link=outgoing.wording.link,
            )
    except (OSError, httpx.HTTPError, WebhookRejected) as error:
        # smtplib's errors are OSErrors; so are refused connections and timeouts.
        return f"{type(error).__name__}: {error}"[:1000]
    return None


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Queued and due, or claimed by a sender whose lease ran out (it died mid-send).

    A "sending" row without a claim time predates claim times: it is as stale as can be.
    """
    return or_(
        and_(SurveyInvitation.status == "queued", SurveyInvitation.due_at <= now),
        and_(
            SurveyInvitation.status == "sending",
            or_(
                SurveyInvitation.sent_at.is_(None),
                SurveyInvitation.sent_at <= now - SENDING_LEASE,
            ),
        ),
    )


def due_invitation_ids(session: Session, *, now: datetime, limit: int = BATCH) -> list[int]:
    """Invitations to send now (see `_claimable`), in every workspace, oldest first."""
    return list(
        session.scalars(
            select(SurveyInvitation.id)
            .where(_claimable(now))
            .order_by(SurveyInvitation.due_at, SurveyInvitation.id)
            .limit(limit)
        )
    )


def _lock_customer(session: Session, invitation: SurveyInvitation) -> None:
    """Hold the customer's row until commit: a second sender counting this customer's
    invitations waits here, then sees this claim. (SQLite has one writer at a time, which
    the claim's UPDATE already holds.) A read of the customers' table only."""
    session.execute(
        select(Customer.id)
        .where(
            Customer.workspace_id == invitation.workspace_id,
            Customer.id == invitation.customer_id,
        )
        .with_for_update()
    )


def claim_invitation(
    session: Session, *, invitation_id: int, now: datetime, secret_key: str, public_url: str
) -> Outgoing | None:
    """Take the invitation (→ sending, claimed now) and prepare its message.

    None when another sender took it first, or when it ends here: skipped by the contact
    rules, or failed for want of a configured server. The claim counts towards the
    customer's frequency cap from now on, so commit it before sending.
    """
    claimed = session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.id == invitation_id, _claimable(now))
        .values(status="sending", sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    invitation = session.get_one(SurveyInvitation, invitation_id)
    session.refresh(invitation)
    if invitation.customer_id is not None:
        _lock_customer(session, invitation)
    survey = get_survey(
        session, workspace_id=invitation.workspace_id, survey_id=invitation.survey_id
    )
    rules = contact_rules(session, workspace_id=invitation.workspace_id)
    reason = (
        SURVEY_CLOSED
        if survey.status != "active"
        else contact_blocked(session, invitation=invitation, rules=rules, now=now)
    )
    if reason is not None:
        invitation.status, invitation.error, invitation.sent_at = "skipped", reason, None
        invitation.reminder_due_at = None
        return None
    prepared = _outgoing(
        session, invitation=invitation, secret_key=secret_key, public_url=public_url, reminder=False
    )
    if isinstance(prepared, str):
        invitation.status, invitation.error, invitation.sent_at = "failed", prepared, None
        invitation.reminder_due_at = None
        return None
    return prepared


def record_result(
    session: Session, *, invitation_id: int, error: str | None, now: datetime
) -> None:
    invitation = session.get_one(SurveyInvitation, invitation_id)
    if error is None:
        invitation.status, invitation.sent_at, invitation.error = "sent", now, None
    else:
        invitation.status, invitation.error, invitation.reminder_due_at = "failed", error, None
        invitation.sent_at = None


def due_reminder_ids(session: Session, *, now: datetime, limit: int = BATCH) -> list[int]:
    return list(
        session.scalars(
            select(SurveyInvitation.id)
            .where(
                SurveyInvitation.status.in_(AWAITING_ANSWER),
                SurveyInvitation.reminder_due_at <= now,
                SurveyInvitation.reminder_sent_at.is_(None),
            )
            .order_by(SurveyInvitation.reminder_due_at, SurveyInvitation.id)
            .limit(limit)
        )
    )


def claim_reminder(
    session: Session, *, invitation_id: int, now: datetime, secret_key: str, public_url: str
) -> Outgoing | None:
    """Take the invitation's one reminder, only while it is still unanswered."""
    claimed = session.execute(
        update(SurveyInvitation)
        .where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.status.in_(AWAITING_ANSWER),
            SurveyInvitation.reminder_due_at <= now,
            SurveyInvitation.reminder_sent_at.is_(None),
            ~has_response(),
        )
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    invitation = session.get_one(SurveyInvitation, invitation_id)
    session.refresh(invitation)
    # A reminder is not a new invitation, so only the preferences and the quiet period apply.
    rules = replace(
        contact_rules(session, workspace_id=invitation.workspace_id), max_invitations=None
    )
    reason = contact_blocked(session, invitation=invitation, rules=rules, now=now)
    prepared = reason or _outgoing(
        session, invitation=invitation, secret_key=secret_key, public_url=public_url, reminder=True
    )
    if isinstance(prepared, str):
        invitation.reminder_sent_at, invitation.reminder_due_at = None, None
        invitation.error = prepared
        return None
    return prepared


def _record_reminder(session: Session, *, invitation_id: int, error: str | None) -> None:
    if error is not None:
        invitation = session.get_one(SurveyInvitation, invitation_id)
        invitation.reminder_sent_at, invitation.reminder_due_at = None, None
        invitation.error = error


def _workspaces_awaiting_answers(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(SurveyInvitation.workspace_id)
            .where(SurveyInvitation.status.in_(AWAITING_ANSWER))
            .distinct()
        )
    )


def _deliver_each(
    open_transaction: OpenTransaction,
    invitation_ids: list[int],
    *,
    claim: Callable[..., Outgoing | None],
    record: Callable[..., None],
    http: httpx.Client,
    mail: SmtpConnections,
    unclaimed: Callable[[Session, int], None] | None = None,
) -> list[str | None]:
    """Per invitation: `claim(session, invitation_id=…)` it in one transaction, deliver what
    was claimed with no transaction open (a provider may take seconds to answer), `record(
    session, invitation_id=…, error=…)` the outcome in a second one. `unclaimed` sees, in the
    claim's transaction, each one not claimed. The outcome of each message delivered: None
    if sent, else its error."""
    outcomes: list[str | None] = []
    for invitation_id in invitation_ids:
        with open_transaction() as session:
            outgoing = claim(session, invitation_id=invitation_id)
            if outgoing is None and unclaimed is not None:
                unclaimed(session, invitation_id)
        if outgoing is None:
            continue
        error = deliver(outgoing, http=http, mail=mail)
        with open_transaction() as session:
            record(session, invitation_id=invitation_id, error=error)
        outcomes.append(error)
    return outcomes


def _send_invitations(
    open_transaction: OpenTransaction,
    *,
    now: datetime,
    secret_key: str,
    public_url: str,
    http: httpx.Client,
    mail: SmtpConnections,
    report: SendReport,
) -> None:
    with open_transaction() as session:
        due = due_invitation_ids(session, now=now)

    def count_unclaimed(session: Session, invitation_id: int) -> None:
        status = session.get_one(SurveyInvitation, invitation_id).status
        report.skipped += status == "skipped"
        report.failed += status == "failed"

    outcomes = _deliver_each(
        open_transaction,
        due,
        claim=partial(claim_invitation, now=now, secret_key=secret_key, public_url=public_url),
        record=partial(record_result, now=now),
        http=http,
        mail=mail,
        unclaimed=count_unclaimed,
    )
    errors = [error for error in outcomes if error is not None]
    report.sent += len(outcomes) - len(errors)
    report.failed += len(errors)
    report.errors.extend(errors)


def _send_reminders(
    open_transaction: OpenTransaction,
    *,
    now: datetime,
    secret_key: str,
    public_url: str,
    http: httpx.Client,
    mail: SmtpConnections,
    report: SendReport,
) -> None:
    with open_transaction() as session:
        for workspace_id in _workspaces_awaiting_answers(session):
            sync_answered(session, workspace_id=workspace_id)
    with open_transaction() as session:
        reminders = due_reminder_ids(session, now=now)
    outcomes = _deliver_each(
        open_transaction,
        reminders,
        claim=partial(claim_reminder, now=now, secret_key=secret_key, public_url=public_url),
        record=_record_reminder,
        http=http,
        mail=mail,
    )
    report.reminders += outcomes.count(None)


def send_due(
    open_transaction: OpenTransaction, *, now: datetime, secret_key: str, public_url: str
) -> SendReport:
    """Send every due invitation, then every due reminder. One transaction per step; one
    HTTP client and one SMTP connection per workspace for the whole run."""
    report = SendReport()
    with provider_client() as http, SmtpConnections() as mail:
        for step in (_send_invitations, _send_reminders):
            step(
                open_transaction,
                now=now,
                secret_key=secret_key,
                public_url=public_url,
                http=http,
                mail=mail,
                report=report,
            )
    return report
