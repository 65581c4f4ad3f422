"""Validated shapes for invitations, triggers and delivery settings (API and pages)."""

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from nabd.core.i18n import N_
from nabd.surveys.schemas import CustomerRef, Language

InvitationChannel = Literal["link", "qr", "email", "sms", "whatsapp", "widget", "in_app"]
SentChannel = Literal["email", "sms", "whatsapp"]
MAX_INVITATIONS_PER_REQUEST = 1000


def _web_address(value: str | None) -> str | None:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError(N_("Must be a web address starting with https://."))
    return value or None


class InvitationIn(BaseModel):
    """Invite known customers (by id or by identity) through one channel."""

    model_config = ConfigDict(extra="forbid")

    channel: InvitationChannel
    customer_ids: list[int] = Field(default_factory=list, max_length=MAX_INVITATIONS_PER_REQUEST)
    customers: list[CustomerRef] = Field(
        default_factory=list, max_length=MAX_INVITATIONS_PER_REQUEST
    )
    # The invitation's language; each customer's own language (then the workspace's) if absent.
    language: Language | None = None
    # When to send (e-mail, SMS, WhatsApp); now if absent.
    send_at: AwareDatetime | None = None
    reminder_days: int | None = Field(default=None, ge=1, le=60)


class InvitationOut(BaseModel):
    id: int
    survey_id: int
    customer_id: int | None
    channel: str
    language: str
    status: str
    token: str
    url: str
    trigger_id: int | None
    event_id: int | None
    due_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None
    answered_at: datetime | None
    reminder_sent_at: datetime | None
    error: str | None


class ChannelRate(BaseModel):
    channel: str
    invited: int
    answered: int
    rate: float | None


class InvitationList(BaseModel):
    items: list[InvitationOut]
    rates: list[ChannelRate]


class TriggerIn(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    event_type: str = Field(min_length=1, max_length=64)
    channel: SentChannel
    delay_minutes: int = Field(default=0, ge=0, le=60 * 24 * 90)
    sampling_percent: int = Field(default=100, ge=0, le=100)
    reminder_days: int | None = Field(default=None, ge=1, le=60)


class TriggerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


class TriggerOut(BaseModel):
    id: int
    survey_id: int
    event_type: str
    channel: str
    delay_minutes: int
    sampling_percent: int
    reminder_days: int | None
    active: bool
    created_at: datetime


class DeliverySettingsIn(BaseModel):
    """SMTP server, webhook provider and contact rules. Empty secrets keep the stored ones."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    smtp_host: str | None = Field(default=None, max_length=255)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_username: str | None = Field(default=None, max_length=255)
    smtp_password: str | None = Field(default=None, max_length=500)
    smtp_from: str | None = Field(default=None, max_length=255)
    webhook_url: str | None = Field(default=None, max_length=500)
    webhook_secret: str | None = Field(default=None, max_length=500)
    clear_secrets: bool = False
    max_invitations: int | None = Field(default=None, ge=1, le=1000)
    window_days: int = Field(default=30, ge=1, le=365)
    quiet_days: int = Field(default=0, ge=0, le=365)

    _check_url = field_validator("webhook_url")(_web_address)

    @field_validator("smtp_host", "smtp_username", "smtp_from", "smtp_password", "webhook_secret")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None
