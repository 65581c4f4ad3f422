"""Events (what a customer did, where) and transactions (what they bought)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument, utcnow


class Event(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "events"
    __table_args__ = (
        # A client-supplied id makes ingestion idempotent: a repeat is ignored.
        UniqueConstraint("workspace_id", "client_event_id"),
        Index("ix_events_customer_time", "workspace_id", "customer_id", "occurred_at"),
        # The survey triggers' scan: a workspace's events of one type after a given id.
        Index("ix_events_type_id", "workspace_id", "type", "id"),
    )
    workspace_leads_an_index = True

    client_event_id: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(64))
    touchpoint_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("touchpoints.id", ondelete="SET NULL")
    )
    channel_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("channels.id", ondelete="SET NULL")
    )
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    properties: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class Transaction(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "transactions"
    __table_args__ = (
        UniqueConstraint("workspace_id", "order_id"),
        Index("ix_transactions_customer_time", "workspace_id", "customer_id", "occurred_at"),
    )
    workspace_leads_an_index = True

    order_id: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE")
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime]
    channel_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("channels.id", ondelete="SET NULL")
    )
    category: Mapped[str | None] = mapped_column(String(100))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WriteKey(IdMixin, WorkspaceScoped, Base):
    """The public key a website snippet sends; it can only add events to its workspace.

    Stored as is (not hashed): it is published in every page that carries the snippet, and
    the admin must be able to read it back to paste it.
    """

    __tablename__ = "write_keys"
    __table_args__ = (UniqueConstraint("key"),)

    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
