"""Channels and the touchpoints on them, and the journeys whose stages group touchpoints."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, utcnow


class Channel(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A medium of contact: web, app, store, call centre, chat, e-mail, social …"""

    __tablename__ = "channels"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)
    workspace_leads_an_index = True

    key: Mapped[str] = mapped_column(String(50))
    name_ar: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))


class Touchpoint(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A specific moment of contact on a channel, e.g. "checkout page" or "Riyadh branch"."""

    __tablename__ = "touchpoints"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)
    workspace_leads_an_index = True

    channel_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("channels.id", ondelete="SET NULL"), index=True
    )
    key: Mapped[str] = mapped_column(String(80))
    name_ar: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))

    channel: Mapped[Channel | None] = relationship(lazy="joined")


class Journey(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A customer journey (e.g. "buying online"): ordered stages, each holding touchpoints.

    Dashboards read a journey or a stage as the set of its touchpoints, so every
    touchpoint-keyed rollup answers for them without a rollup of its own.
    """

    __tablename__ = "journeys"

    name_ar: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    stages: Mapped[list["JourneyStage"]] = relationship(
        back_populates="journey",
        order_by="JourneyStage.position",
        cascade="all, delete-orphan",
        lazy="selectin",
    )


class JourneyStage(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """One step of a journey ("awareness", "purchase" …), in `position` order."""

    __tablename__ = "journey_stages"

    journey_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("journeys.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name_ar: Mapped[str] = mapped_column(String(150))
    name_en: Mapped[str] = mapped_column(String(150))

    journey: Mapped[Journey] = relationship(back_populates="stages")
    placements: Mapped[list["StageTouchpoint"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def touchpoint_ids(self) -> list[int]:
        return sorted(placement.touchpoint_id for placement in self.placements)


class StageTouchpoint(IdMixin, WorkspaceScoped, Base):
    """A touchpoint placed in a stage; at most one stage per journey (the unique key)."""

    __tablename__ = "journey_stage_touchpoints"
    __table_args__ = (UniqueConstraint("journey_id", "touchpoint_id"),)

    journey_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("journeys.id", ondelete="CASCADE"))
    stage_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("journey_stages.id", ondelete="CASCADE"), index=True
    )
    touchpoint_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("touchpoints.id", ondelete="CASCADE"), index=True
    )
