"""The record of a customer merge: enough to undo it."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument


class CustomerMerge(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """Source customer folded into target: the rows that moved and the source as it was.

    The source's id is kept (no foreign key: the row is gone while the merge stands), so an
    undo recreates the customer under the same id and every link to it still holds.
    """

    __tablename__ = "customer_merges"
    __table_args__ = (Index("ix_customer_merges_target", "workspace_id", "target_customer_id"),)
    workspace_leads_an_index = True

    target_customer_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    source_customer_id: Mapped[int] = mapped_column(BigIntId)
    reason: Mapped[str] = mapped_column(String(16))
    actor_label: Mapped[str] = mapped_column(String(255))
    # {"customer": {...source columns...}, "contact_preferences": [...], "added_opt_outs": [...]}
    source_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # {table name: [row ids moved from source to target]}
    moved: Mapped[dict[str, list[int]]] = mapped_column(JSONDocument)
    undone_at: Mapped[datetime | None]
