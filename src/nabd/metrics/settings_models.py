"""A workspace's own metric definitions, where the issue makes them a workspace's choice."""

from datetime import datetime

from sqlalchemy import Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, IdMixin, WorkspaceScoped
from nabd.core.types import utcnow


class MetricsSettings(IdMixin, WorkspaceScoped, Base):
    """At most one row per workspace; without one, the installation's defaults apply."""

    __tablename__ = "metrics_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)
    workspace_leads_an_index = True

    # Days without an event or transaction after which a customer counts as churned.
    churn_inactive_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
