"""One row per customer text, whatever channel it came from."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument, utcnow

FEEDBACK_SOURCES = ("survey", "review", "social", "ticket", "chat", "call_note", "email")


class FeedbackItem(IdMixin, WorkspaceScoped, Base):
    """A customer's own words, stored exactly as written; analysis happens elsewhere."""

    __tablename__ = "feedback_items"
    __table_args__ = (
        # The origin system's id makes every import and API call idempotent.
        UniqueConstraint("workspace_id", "source", "external_id"),
        Index("ix_feedback_items_workspace_created", "workspace_id", "created_at"),
        Index("ix_feedback_items_customer", "workspace_id", "customer_id", "created_at"),
    )
    workspace_leads_an_index = True

    source: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str | None] = mapped_column(String(200))
    customer_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    channel_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("channels.id", ondelete="SET NULL")
    )
    touchpoint_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    rating: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rating_scale_max: Mapped[int | None]
    created_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
