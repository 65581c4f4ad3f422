"""A workspace's delivery settings: SMTP server, SMS/WhatsApp webhook, contact-frequency rules.

The SMTP password and the webhook secret are encrypted at rest with Fernet (AES-128-CBC plus
HMAC-SHA256), keyed from the application's secret key (`NABD_SECRET_KEY`). A database dump or
backup alone therefore does not reveal them; whoever holds both the database and the secret key
can read them, as nabd itself must to send. They are never shown again in a page or the API.
Never commits.
"""

import base64
import hashlib
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.types import utcnow
from nabd.surveys.distribution_schemas import DeliverySettingsIn
from nabd.surveys.models import SurveyDeliverySettings


@dataclass(frozen=True)
class ContactRules:
    """At most `max_invitations` per customer per `window_days`; none for `quiet_days` after
    an answer. `max_invitations` None means no limit."""

    max_invitations: int | None
    window_days: int
    quiet_days: int


def _fernet(secret_key: str) -> Fernet:
    # A key derived for this one purpose, so the session-signing key is never used directly.
    digest = hashlib.sha256(b"nabd.surveys.delivery-settings:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(secret_key: str, value: str) -> str:
    return _fernet(secret_key).encrypt(value.encode()).decode()


def decrypt_secret(secret_key: str, value: str | None) -> str | None:
    """The clear text, or None when nothing is stored or the secret key has changed since."""
    if value is None:
        return None
    try:
        return _fernet(secret_key).decrypt(value.encode()).decode()
    except InvalidToken:
        return None


def get_delivery_settings(session: Session, *, workspace_id: int) -> SurveyDeliverySettings:
    """The workspace's settings; defaults (nothing configured, no limits) until first saved."""
    found = session.scalar(
        select(SurveyDeliverySettings).where(SurveyDeliverySettings.workspace_id == workspace_id)
    )
    if found is not None:
        return found
    return SurveyDeliverySettings(
        workspace_id=workspace_id,
        smtp_port=587,
        smtp_security="starttls",
        window_days=30,
        quiet_days=0,
    )


def contact_rules(session: Session, *, workspace_id: int) -> ContactRules:
    found = get_delivery_settings(session, workspace_id=workspace_id)
    return ContactRules(found.max_invitations, found.window_days, found.quiet_days)


def update_delivery_settings(
    session: Session,
    *,
    workspace_id: int,
    data: DeliverySettingsIn,
    secret_key: str,
    actor: Actor,
) -> SurveyDeliverySettings:
    """Save the settings; an empty password or secret keeps the stored one."""
    row = get_delivery_settings(session, workspace_id=workspace_id)
    row.smtp_host = data.smtp_host
    row.smtp_port = data.smtp_port
    row.smtp_security = data.smtp_security
    row.smtp_username = data.smtp_username
    row.smtp_from = data.smtp_from
    row.webhook_url = data.webhook_url
    row.max_invitations = data.max_invitations
    row.window_days = data.window_days
    row.quiet_days = data.quiet_days
    if data.smtp_password:
        row.smtp_password_encrypted = encrypt_secret(secret_key, data.smtp_password)
    if data.webhook_secret:
        row.webhook_secret_encrypted = encrypt_secret(secret_key, data.webhook_secret)
    if data.clear_secrets:
        row.smtp_password_encrypted = None
        row.webhook_secret_encrypted = None
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="survey.delivery_settings_update",
        object_type="survey_delivery_settings",
        object_id=row.id,
        # What changed, without any secret.
        details=data.model_dump(exclude={"smtp_password", "webhook_secret"}),
    )
    return row
