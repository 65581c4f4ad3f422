"""A user's subscription to the CX overview by e-mail, weekly or monthly, in their language."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, utcnow


class ReportSubscription(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """One per user and workspace; the user manages their own under Settings → Reports."""

    __tablename__ = "report_subscriptions"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)
    workspace_leads_an_index = True

    user_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    frequency: Mapped[str] = mapped_column(String(10))  # "weekly" or "monthly"
    language: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str | None] = mapped_column(String(50))
    # The period ("2026-W47", "2026-10") whose report was last sent: the job never repeats it.
    last_sent_period: Mapped[str | None] = mapped_column(String(10))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
