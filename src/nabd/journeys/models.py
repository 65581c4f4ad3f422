"""Channels and the touchpoints on them, where customers meet the company."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId


class Channel(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A medium of contact: web, app, store, call centre, chat, e-mail, social …"""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    key: Mapped[str] = mapped_column(String(50))
    name_ar: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class Touchpoint(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A specific moment of contact on a channel, e.g. "checkout page" or "Riyadh branch"."""

    __tablename__ = "touchpoints"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    channel_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    name_ar: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))

    channel: Mapped[Channel | None] = relationship(lazy="joined")
