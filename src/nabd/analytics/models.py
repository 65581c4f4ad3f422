"""How far each workspace's snapshot has got, table by table."""

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId


class AnalyticsWatermark(IdMixin, WorkspaceScoped, Base):
    """The highest row id of one table already written to the workspace's snapshot.

    For tables rewritten whole on every refresh it only records when that happened.
    """

    __tablename__ = "analytics_watermarks"
    __table_args__ = (UniqueConstraint("workspace_id", "table_name"),)
    workspace_leads_an_index = True

    table_name: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(BigIntId, default=0)
    refreshed_at: Mapped[datetime]
