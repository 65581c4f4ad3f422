"""Customer profiles, their identities, contact preferences and search terms."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument, utcnow
from nabd.events.models import CUSTOMER_REFERENCE

IDENTITY_KINDS = ("email", "phone", "external_id", "anonymous_id")
CONTACT_CHANNELS = ("email", "sms", "whatsapp")
# Byte-order comparison on PostgreSQL too, so a prefix is a plain range whatever the
# database's default collation (SQLite compares bytes already).
SEARCH_TERM_TYPE = String(320).with_variant(String(320, collation="C"), "postgresql")
# The identities' unique (workspace, kind, value) index compared byte by byte too: the same
# equality in any deterministic collation, without a `strcoll` a comparison (migration 0026).
IDENTITY_KIND_TYPE = String(16).with_variant(String(16, collation="C"), "postgresql")
IDENTITY_VALUE_TYPE = String(320).with_variant(String(320, collation="C"), "postgresql")


class Customer(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """One person or account, however many identities and channels they use."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_workspace_sort_name", "workspace_id", "sort_name", "id"),
        Index("ix_customers_workspace_total_spend", "workspace_id", "total_spend", "id"),
    )

    workspace_leads_an_index = True

    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(2))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    # The folded display name: sorts "أحمد" next to "احمد" and never holds NULL, so the list
    # can page through it with a plain keyset.
    sort_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Value summary, kept by `refresh_value_summary` so the list sorts and filters at scale.
    total_spend: Mapped[Decimal] = mapped_column(
        Numeric(14, 2), default=Decimal(0), server_default="0"
    )
    spend_currency: Mapped[str | None] = mapped_column(String(3))
    order_count: Mapped[int] = mapped_column(default=0, server_default="0")
    first_purchase_at: Mapped[datetime | None]
    last_purchase_at: Mapped[datetime | None]

    identities: Mapped[list["CustomerIdentity"]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        lazy="selectin",
        primaryjoin="Customer.id == foreign(CustomerIdentity.customer_id)",
    )
    # Loaded with the customer (one join by primary key); every customer has this row.
    seen: Mapped["CustomerSeen"] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        lazy="joined",
        primaryjoin="Customer.id == foreign(CustomerSeen.customer_id)",
    )

    def __init__(self, **values: Any) -> None:
        """A new customer comes with its seen row, so every customer has one."""
        seen = values.pop("seen", None) or CustomerSeen()
        super().__init__(seen=seen, **values)  # first: the seen dates given are set on it

    @property
    def first_seen_at(self) -> datetime | None:
        return self.seen.first_seen_at

    @first_seen_at.setter
    def first_seen_at(self, value: datetime | None) -> None:
        self.seen.first_seen_at = value

    @property
    def last_seen_at(self) -> datetime | None:
        return self.seen.last_seen_at

    @last_seen_at.setter
    def last_seen_at(self, value: datetime | None) -> None:
        self.seen.last_seen_at = value

    @property
    def last_seen_on(self) -> date | None:
        """The UTC day of `last_seen_at`, which the list sorts by (`CustomerSeen`)."""
        return self.seen.last_seen_on


class CustomerSeen(WorkspaceScoped, Base):
    """When a customer was first and last seen, widened by every batch of their activity.

    Apart from `customers` because ingestion rewrites these dates all the time: there every
    update wrote a new version of the wide row and an entry in each of its four indexes
    (never HOT, as `last_seen_at` was indexed); here it is a narrow row and two indexes
    (bench/README.md, 2026-12-07: 17 against 6.6 backend µs a customer on PostgreSQL).

    No foreign keys (migration 0024): the row is written with its customer (in the same
    statement, or the same flush) and never on its own, so a key to `customers` only checked
    what was just written, for every customer ingestion creates; a deleted customer deletes
    its row by a trigger on `customers` (and a deleted workspace its customers).

    The list's "last seen" sort and filter, and segments' last-contact conditions, go through
    the UTC day `last_seen_on`, not the precise `last_seen_at` (migration 0025): a rewrite
    that moves the precise time within the same day then leaves every indexed column as it
    was, which PostgreSQL turns into a HOT update (no index entry; the table's fillfactor
    leaves room on each page for it). SQLite rewrites an index entry whenever its column is
    assigned, whatever the value, so gains nothing and loses nothing (bench/README.md,
    2026-12-07 16:24). Every writer sets the day with the time: `_day_of_last_seen` here, the
    SQL of `nabd.core.plain_rows` and `nabd.customers.identity`.
    """

    __tablename__ = "customer_seen"
    # The list's keyset on (last_seen_on, customer_id); ranges of days for its filters and
    # segments' last-contact conditions.
    __table_args__ = (
        Index(
            "ix_customer_seen_workspace_last_seen_on",
            "workspace_id",
            "last_seen_on",
            "customer_id",
        ),
    )
    workspace_leads_an_index = True
    workspace_foreign_key = False

    customer_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    first_seen_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    last_seen_on: Mapped[date | None]

    customer: Mapped[Customer] = relationship(
        back_populates="seen", primaryjoin="Customer.id == foreign(CustomerSeen.customer_id)"
    )

    @validates("last_seen_at")
    def _day_of_last_seen(self, _key: str, moment: datetime | None) -> datetime | None:
        """The indexed day follows the precise time, however it is set."""
        self.last_seen_on = utc_day(moment)
        return moment


def utc_day(moment: datetime | None) -> date | None:
    """The UTC day of a timezone-aware moment: what `CustomerSeen.last_seen_on` holds."""
    return None if moment is None else moment.astimezone(UTC).date()


@event.listens_for(CustomerSeen, "before_insert")
def _workspace_of_customer(_mapper: Any, _connection: Any, seen: CustomerSeen) -> None:
    """The row is in its customer's workspace (set on the customer, maybe after `__init__`)."""
    seen.workspace_id = seen.customer.workspace_id


class CustomerIdentity(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """An identifier that resolves to exactly one customer within a workspace.

    No foreign keys (migrations 0024, 0026), like its customer's search terms: ingestion
    writes both for every customer it creates, in the transaction that creates it, where a
    key's check of every row (`SELECT … FOR KEY SHARE` of the customer) found what no other
    transaction can see or delete yet. What the customer's key guaranteed is kept otherwise:
    a deleted customer deletes them by triggers on `customers`; the rows written for a
    customer this transaction did not create are written under `refresh_search_text`'s lock
    of that customer, and a writer of identities fails when it found the customer deleted;
    a merge moves them (`CUSTOMER_REFERENCE`).
    """

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "value"),)

    # The batch lookup of identities must probe the unique index (`select_unique`).
    workspace_leads_an_index = True
    workspace_foreign_key = False
    customer_id: Mapped[int] = mapped_column(BigIntId, index=True, info=CUSTOMER_REFERENCE)
    kind: Mapped[str] = mapped_column(IDENTITY_KIND_TYPE)
    value: Mapped[str] = mapped_column(IDENTITY_VALUE_TYPE)

    customer: Mapped[Customer] = relationship(
        back_populates="identities",
        primaryjoin="Customer.id == foreign(CustomerIdentity.customer_id)",
    )


class CustomerSearchTerm(WorkspaceScoped, Base):
    """One normalised word of a customer's name or identities.

    A prefix query on (workspace_id, term) is an index range scan on SQLite and PostgreSQL
    alike, with no extension to install, so search stays fast at millions of customers.
    """

    __tablename__ = "customer_search_terms"
    __table_args__ = (Index("ix_customer_search_terms_lookup", "workspace_id", "term"),)

    workspace_leads_an_index = True
    workspace_foreign_key = False
    customer_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    term: Mapped[str] = mapped_column(SEARCH_TERM_TYPE, primary_key=True)


class ContactPreference(IdMixin, WorkspaceScoped, Base):
    """Whether a customer opted out of contact on one channel; no row means no objection."""

    __tablename__ = "customer_contact_preferences"
    __table_args__ = (UniqueConstraint("workspace_id", "customer_id", "channel"),)
    workspace_leads_an_index = True

    customer_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    opted_out: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerErasure(IdMixin, WorkspaceScoped, Base):
    """A tombstone: which customer id was erased and when, holding nothing personal.

    Lets copies outside the database (the analytics snapshot, exports) drop the same id.
    """

    __tablename__ = "customer_erasures"

    customer_id: Mapped[int] = mapped_column(BigIntId, index=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerPrivacySettings(IdMixin, WorkspaceScoped, Base):
    """A workspace's choice of which roles see contact details masked; no row: the default."""

    __tablename__ = "customer_privacy_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)
    workspace_leads_an_index = True

    masked_roles: Mapped[list[str]] = mapped_column(JSONDocument)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
