"""The workspace's churn window ("inactive after N days"): read by the engine, set by admins.

Never commits.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.config import Settings
from nabd.core.audit import Actor, record_audit
from nabd.core.types import utcnow
from nabd.metrics.settings_models import MetricsSettings

MIN_DAYS, MAX_DAYS = 1, 3650


def churn_inactive_days(session: Session, *, workspace_id: int) -> int | None:
    """The workspace's own window, or None where it keeps the installation's default."""
    return session.scalar(
        select(MetricsSettings.churn_inactive_days).where(
            MetricsSettings.workspace_id == workspace_id
        )
    )


def effective_settings(session: Session, *, workspace_id: int, settings: Settings) -> Settings:
    """`settings` with the workspace's churn window in place of the installation's."""
    days = churn_inactive_days(session, workspace_id=workspace_id)
    if days is None or days == settings.metrics_churn_inactive_days:
        return settings
    return settings.model_copy(update={"metrics_churn_inactive_days": days})


def set_churn_inactive_days(
    session: Session, *, workspace_id: int, days: int, actor: Actor
) -> None:
    """Store the window (MIN_DAYS…MAX_DAYS, checked by the caller's schema); audited."""
    row = session.scalar(
        select(MetricsSettings).where(MetricsSettings.workspace_id == workspace_id)
    )
    previous = row.churn_inactive_days if row else None
    if previous == days:
        return
    if row is None:
        row = MetricsSettings(workspace_id=workspace_id, churn_inactive_days=days)
        session.add(row)
    row.churn_inactive_days = days
    row.updated_at = utcnow()
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="metrics.set_churn_window",
        object_type="workspace",
        object_id=workspace_id,
        details={"churn_inactive_days": days, "previous": previous},
    )
