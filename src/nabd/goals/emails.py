"""E-mailing a goal notification to its owner through the workspace's SMTP server.

The server is the one the workspace set up for survey invitations (surveys' delivery
settings); without one, notifications stay in the app only.
"""

from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.i18n import N_, gettext
from nabd.core.types import utcnow
from nabd.goals.forecast import GoalStatus
from nabd.goals.models import GoalNotification
from nabd.surveys.delivery_settings import decrypt_secret, get_delivery_settings
from nabd.surveys.smtp import SmtpServer
from nabd.workspaces import service as workspaces

SUBJECT = N_("Goal “%(name)s”: %(status)s")
BODY = N_("The goal “%(name)s” is now: %(status)s.")
FOOTER = N_("You receive this e-mail because you own this goal in nabd.")


@dataclass(frozen=True)
class OutgoingEmail:
    server: SmtpServer
    message: EmailMessage


def prepare(
    session: Session, *, workspace_id: int, notification_id: int, secret_key: str, public_url: str
) -> OutgoingEmail | None:
    """The e-mail to send, or None when there is nothing to send: already sent, no SMTP
    server configured, or the notification is gone."""
    notification = session.scalar(
        select(GoalNotification).where(
            GoalNotification.workspace_id == workspace_id,
            GoalNotification.id == notification_id,
        )
    )
    if notification is None or notification.emailed_at is not None:
        return None
    delivery = get_delivery_settings(session, workspace_id=workspace_id)
    if not delivery.smtp_host or not delivery.smtp_from:
        return None
    owner = workspaces.get_user(session, user_id=notification.user_id)
    if owner is None:
        return None
    language = (
        owner.language
        or workspaces.get_workspace(session, workspace_id=workspace_id).default_language
    )
    params = {
        "name": notification.goal.name,
        "status": gettext(language, GoalStatus(notification.status).label),
    }
    message = EmailMessage()
    message["Subject"] = gettext(language, SUBJECT) % params
    message["From"] = delivery.smtp_from
    message["To"] = owner.email
    message["Content-Language"] = language
    link = f"{public_url.rstrip('/')}/goals/{notification.goal_id}"
    message.set_content(
        "\n\n".join([gettext(language, BODY) % params, link, gettext(language, FOOTER)]) + "\n"
    )
    server = SmtpServer(
        host=delivery.smtp_host,
        port=delivery.smtp_port,
        security=delivery.smtp_security,
        username=delivery.smtp_username,
        password=decrypt_secret(secret_key, delivery.smtp_password_encrypted),
    )
    return OutgoingEmail(server=server, message=message)


def mark_sent(session: Session, *, workspace_id: int, notification_id: int) -> None:
    notification = session.scalar(
        select(GoalNotification).where(
            GoalNotification.workspace_id == workspace_id,
            GoalNotification.id == notification_id,
        )
    )
    if notification is not None:
        notification.emailed_at = utcnow()
