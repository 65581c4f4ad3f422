"""Events (what a customer did, where) and transactions (what they bought)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument, utcnow

# Marks a column that holds a customer's id without a foreign key (`Event`), so that a
# customer merge still moves its rows (`nabd.customers.merging.movable_tables`).
CUSTOMER_REFERENCE = {"references": "customers.id"}


class Event(IdMixin, WorkspaceScoped, Base):
    """One thing a customer did, where; append-only, the highest-volume table.

    No foreign keys, on PostgreSQL and SQLite alike (migration 0022). Each key checked every
    inserted row by a query of its own (PostgreSQL's `SELECT … FOR KEY SHARE` per row and
    key): two thirds of the backend's CPU of writing an event (bench/ingest_floor.py: 17.0
    against 6.4 µs a row), though ingestion has just resolved every id it writes in the same
    transaction. What the keys guaranteed is kept otherwise:

    - no dangling id from a deletion: the referenced rows' ON DELETE actions are triggers
      (a deleted workspace or customer deletes its events, a deleted touchpoint or channel
      is set NULL in them), which cost nothing when an event is written; erasure anonymises
      a customer's events and a merge moves them (`CUSTOMER_REFERENCE`) before either deletes
      the customer;
    - no id of a row deleted while a batch was being written: ingestion holds its workspace's
      event-writer lock from resolving its customers to its commit, and erasure and merge take
      it exclusively before they read (`nabd.events.writers`).
    """

    __tablename__ = "events"
    __table_args__ = (
        # A client-supplied id makes ingestion idempotent: a repeat is ignored.
        UniqueConstraint("workspace_id", "client_event_id"),
        Index("ix_events_customer_time", "workspace_id", "customer_id", "occurred_at"),
        # The survey triggers' scan: a workspace's events of one type after a given id.
        Index("ix_events_type_id", "workspace_id", "type", "id"),
    )
    workspace_leads_an_index = True
    workspace_foreign_key = False

    client_event_id: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(BigIntId, info=CUSTOMER_REFERENCE)
    type: Mapped[str] = mapped_column(String(64))
    touchpoint_id: Mapped[int | None] = mapped_column(BigIntId)
    channel_id: Mapped[int | None] = mapped_column(BigIntId)
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
