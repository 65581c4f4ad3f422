"""Segments (a named, bilingual rule over customers) and their stored membership."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument, utcnow


class Segment(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A rule over customers; `size` and `refreshed_at` describe the stored membership."""

    __tablename__ = "segments"

    name_ar: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    size: Mapped[int | None]
    refreshed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def name(self, locale: str) -> str:
        """The name in the reader's language, falling back to the other one."""
        return (self.name_ar or self.name_en) if locale == "ar" else (self.name_en or self.name_ar)


class SegmentMembership(WorkspaceScoped, Base):
    """A customer in a segment as of the segment's last refresh.

    No `id` column, on purpose: a customer merge re-points rows that have one, and would
    collide here; the merged-away customer's rows go with it (ON DELETE CASCADE) instead,
    as do an erased customer's.
    """

    __tablename__ = "segment_memberships"
    __table_args__ = (Index("ix_segment_memberships_customer_id", "customer_id"),)

    segment_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("segments.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
