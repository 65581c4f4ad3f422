"""The audit log: who changed what, and when, for every state change a person makes."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument

ActorKind = Literal["user", "api_token", "cli", "system"]


@dataclass(frozen=True)
class Actor:
    """Whoever caused a change: a signed-in user, an API token, the CLI or nabd itself."""

    kind: ActorKind
    label: str
    id: int | None = None


SYSTEM_ACTOR = Actor(kind="system", label="nabd")


class AuditLogEntry(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    __tablename__ = "audit_log"

    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(BigIntId)
    actor_label: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


def record_audit(
    session: Session,
    *,
    workspace_id: int,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditLogEntry:
    """Add an audit row in the caller's transaction, so it commits or rolls back with it."""
    entry = AuditLogEntry(
        workspace_id=workspace_id,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details or {},
    )
    if at is not None:
        entry.created_at = at
    session.add(entry)
    return entry
