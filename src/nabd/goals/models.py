"""Goals (a metric, a scope, a baseline, a target, a period, an owner) and their notifications."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, utcnow
from nabd.journeys.models import Channel, Touchpoint
from nabd.surveys.models import Survey
from nabd.workspaces.models import User


class Goal(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A target for one metric in one slice over one period, e.g. "NPS +5 in Q3 on the app".

    The target is kept as written (`target_kind`, `target_amount`) so that an edited baseline
    moves a relative target with it; `target` resolves it.
    """

    __tablename__ = "goals"

    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(40))
    channel_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("channels.id"))
    touchpoint_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("touchpoints.id"))
    survey_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("surveys.id"))
    # No foreign key (the column predates segments); the service checks it is the
    # workspace's, and deleting a segment a goal is scoped to is refused.
    segment_id: Mapped[int | None] = mapped_column(BigInteger)
    baseline: Mapped[float] = mapped_column(Float)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_amount: Mapped[float] = mapped_column(Float)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The status last seen by the notification job, so each change is announced once.
    notified_status: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None]

    owner: Mapped[User | None] = relationship(lazy="joined")
    channel: Mapped[Channel | None] = relationship(lazy="joined")
    touchpoint: Mapped[Touchpoint | None] = relationship(lazy="joined")
    survey: Mapped[Survey | None] = relationship(lazy="joined")


class GoalNotification(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A goal's status changed to one its owner should hear about (e.g. at risk): shown on
    the goals page, and e-mailed when the workspace has an SMTP server."""

    __tablename__ = "goal_notifications"
    __table_args__ = (
        Index("ix_goal_notifications_user_unread", "workspace_id", "user_id", "read_at"),
    )
    workspace_leads_an_index = True

    goal_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("goals.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    previous_status: Mapped[str | None] = mapped_column(String(20))
    read_at: Mapped[datetime | None]
    # Set once the owner has been e-mailed; stays None where the workspace has no SMTP server.
    emailed_at: Mapped[datetime | None]

    goal: Mapped[Goal] = relationship(lazy="joined")
