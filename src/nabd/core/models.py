"""The declarative base every domain's ORM models derive from."""

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import ForeignKey, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from nabd.core.types import BigIntId, UTCDateTime, utcnow

# Stable constraint names, so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class IdMixin:
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)


class CreatedAtMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WorkspaceScoped:
    """Every tenant-owned row carries its workspace; every query filters by it.

    `workspace_id` gets an index of its own unless another index of the table starts with it
    (`workspace_leads_an_index`): that one serves the queries filtering by the workspace
    alone and the workspace's ON DELETE CASCADE, and an index on the column alone would only
    be one more entry to write for every row (tests/core/test_models.py checks every table).
    """

    workspace_leads_an_index: ClassVar[bool] = False
    # False for a fact table whose workspace is kept by triggers instead of a foreign key
    # (`nabd.events.models.Event` says why), and for a customer's own rows (seen dates,
    # identities, search terms): their workspace is their customer's, whose deletion, as the
    # workspace's, deletes them (by triggers on `customers`, migrations 0024 and 0026); a
    # workspace key only checked the same again for every row written (migration 0024).
    workspace_foreign_key: ClassVar[bool] = True

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:  # noqa: N805 - SQLAlchemy passes the class
        index = not cls.workspace_leads_an_index
        if not cls.workspace_foreign_key:
            return mapped_column(BigIntId, index=index)
        return mapped_column(BigIntId, ForeignKey("workspaces.id", ondelete="CASCADE"), index=index)
