"""Customer profiles and their identities."""

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument

IDENTITY_KINDS = ("email", "phone", "external_id", "anonymous_id")


class Customer(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """One person or account, however many identities and channels they use."""

    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_workspace_last_seen", "workspace_id", "last_seen_at"),)

    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(2))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]

    identities: Mapped[list["CustomerIdentity"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", lazy="selectin"
    )


class CustomerIdentity(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """An identifier that resolves to exactly one customer within a workspace."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value"),)

    customer_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))

    customer: Mapped[Customer] = relationship(back_populates="identities")
