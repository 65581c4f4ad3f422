"""Surveys, their questions, the links that reach respondents, responses and answers."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument, utcnow

SURVEY_STATUSES = ("draft", "active", "closed")
DISTRIBUTION_KINDS = ("link", "qr", "email", "sms", "whatsapp", "widget", "api")


class Survey(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A questionnaire, bilingual from the start, attached to one touchpoint."""

    __tablename__ = "surveys"

    title_ar: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    touchpoint_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    thank_you_ar: Mapped[str] = mapped_column(Text, default="")
    thank_you_en: Mapped[str] = mapped_column(Text, default="")
    # Where a happy respondent is invited to leave a public review; None asks nothing.
    review_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list["SurveyQuestion"]] = relationship(
        back_populates="survey",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="(SurveyQuestion.position, SurveyQuestion.id)",
    )


class SurveyQuestion(IdMixin, WorkspaceScoped, Base):
    """One question; `key` is stable across copies, so branching rules refer to it."""

    __tablename__ = "survey_questions"
    __table_args__ = (UniqueConstraint("survey_id", "key"),)

    # Not indexed alone: the unique (survey_id, key) index serves the survey's questions.
    survey_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str] = mapped_column(String(16))
    text_ar: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Scale bounds, labels, options, matrix rows, text limit: see questions.py.
    settings: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # A branching rule (branching.py); None shows the question to everyone.
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)

    survey: Mapped[Survey] = relationship(back_populates="questions")


class SurveyDistribution(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A way to reach respondents: an anonymous link, or a personal invitation.

    A personal invitation (`customer_id` set) can be answered once; channels such as
    e-mail or SMS attach their sending state to this row.
    """

    __tablename__ = "survey_distributions"

    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="link")
    token: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("channels.id", ondelete="SET NULL")
    )
    language: Mapped[str | None] = mapped_column(String(2))

    @property
    def is_personal(self) -> bool:
        return self.customer_id is not None


class SurveyResponse(IdMixin, WorkspaceScoped, Base):
    """One respondent's answers to one survey, complete or not."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        # Idempotency: a repeated key (API header, import row, personal invitation) finds
        # the first response; the constraint makes concurrent repeats safe.
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_survey_responses_survey_submitted", "workspace_id", "survey_id", "submitted_at"),
        # Only responses to a personal invitation have one (none from the API, batches or
        # imports): its queries compare it with `=`, which no NULL passes (migration 0021).
        Index(
            "ix_survey_responses_invited",
            "invitation_id",
            sqlite_where=text("invitation_id IS NOT NULL"),
            postgresql_where=text("invitation_id IS NOT NULL"),
        ),
    )
    workspace_leads_an_index = True

    survey_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"))
    invitation_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("survey_distributions.id", ondelete="SET NULL")
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("channels.id", ondelete="SET NULL")
    )
    touchpoint_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(2))
    completed: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    # Question ids the respondent has been shown and submitted (answered or skipped).
    progress: Mapped[list[int]] = mapped_column(JSONDocument, default=list)

    answers: Mapped[list["SurveyAnswer"]] = relationship(
        back_populates="response", cascade="all, delete-orphan", lazy="selectin"
    )


class SurveyAnswer(IdMixin, WorkspaceScoped, Base):
    """The answer to one question: a number, a text, or a structured value."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("response_id", "question_id"),
        Index("ix_survey_answers_question_number", "workspace_id", "question_id", "number"),
    )
    workspace_leads_an_index = True

    response_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("survey_responses.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("survey_questions.id", ondelete="CASCADE")
    )
    number: Mapped[int | None]
    text: Mapped[str | None] = mapped_column(Text)
    choices: Mapped[Any | None] = mapped_column(JSONDocument)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")


# Channels nabd delivers itself; the others hand the personal link to the caller at once.
SENT_CHANNELS = ("email", "sms", "whatsapp")


class SurveyTrigger(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """When an event of `event_type` arrives for a customer, invite them to the survey."""

    __tablename__ = "survey_triggers"

    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    event_type: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    delay_minutes: Mapped[int] = mapped_column(default=0)
    sampling_percent: Mapped[int] = mapped_column(default=100)
    # One reminder this many days after sending, if still unanswered; None sends none.
    reminder_days: Mapped[int | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The highest event id this trigger has looked at: the scanner's restart point.
    last_event_id: Mapped[int] = mapped_column(BigIntId, default=0)


class SurveyInvitation(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """One invitation of one customer (or one handed-out link) by one channel, and its fate."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        # Never twice for the same event: a re-scan or a second scanner hits this constraint.
        UniqueConstraint("trigger_id", "event_id"),
        Index("ix_survey_invitations_status_due", "status", "due_at"),
        Index("ix_survey_invitations_customer_sent", "workspace_id", "customer_id", "sent_at"),
    )
    workspace_leads_an_index = True

    survey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("surveys.id", ondelete="CASCADE"), index=True
    )
    # The personal link this invitation carries; its responses are this invitation's answers.
    distribution_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("survey_distributions.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    trigger_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("survey_triggers.id", ondelete="SET NULL")
    )
    event_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("events.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(2))
    # queued, sending, sent, failed, skipped, opened, answered. "sending" is held between
    # claiming and knowing how the send went, so no second sender picks it up; "skipped"
    # means the contact rules or preferences stopped it at sending time.
    status: Mapped[str] = mapped_column(String(16), default="queued")
    due_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    reminder_due_at: Mapped[datetime | None]
    reminder_sent_at: Mapped[datetime | None]
    # Why the last send failed or was skipped, for the person reading the invitation list.
    error: Mapped[str | None] = mapped_column(Text)


class SurveyDeliverySettings(IdMixin, WorkspaceScoped, Base):
    """A workspace's SMTP server, SMS/WhatsApp webhook provider and contact-frequency rules.

    Passwords and secrets are stored encrypted (see delivery_settings.py), never in clear.
    """

    __tablename__ = "survey_delivery_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)
    workspace_leads_an_index = True

    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int] = mapped_column(default=587)
    smtp_security: Mapped[str] = mapped_column(String(16), default="starttls")
    smtp_username: Mapped[str | None] = mapped_column(String(255))
    smtp_password_encrypted: Mapped[str | None] = mapped_column(Text)
    smtp_from: Mapped[str | None] = mapped_column(String(255))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # At most `max_invitations` per customer per `window_days` across all surveys (None: no
    # limit), and none for `quiet_days` after any answer.
    max_invitations: Mapped[int | None]
    window_days: Mapped[int] = mapped_column(default=30)
    quiet_days: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
