"""Which tables the snapshot holds, with which columns, and how each one is kept current.

Fact tables (events, transactions, feedback) only grow: they are appended by id, partitioned
by the UTC month of their time column. Dimension tables (customers, channels, touchpoints)
change in place and are small beside the facts, so each refresh rewrites them whole.
Personal columns stay out: no customer name or sort key, no client event or order number.
"""

from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
from sqlalchemy import JSON, Select, Text, cast, select
from sqlalchemy.orm import InstrumentedAttribute

from nabd.customers.models import Customer
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.journeys.models import Channel, Touchpoint

UTC_TIME = pa.timestamp("us", tz="UTC")
ForgetRule = Literal["keep", "delete", "detach"]


@dataclass(frozen=True)
class SnapshotTable:
    name: str
    model: Any
    schema: pa.Schema
    # Facts: partition by the UTC month of this column and append by id. None: rewrite whole.
    month_column: str | None = None
    # The column set when the row was written, to hold back rows of unfinished transactions.
    settle_column: str | None = None
    # What erasing a customer does to their rows: as the database's erasure does.
    on_forget: ForgetRule = "keep"
    detached_values: dict[str, Any] = field(default_factory=dict)

    @property
    def is_fact(self) -> bool:
        return self.month_column is not None

    def select_rows(self, workspace_id: int) -> Select[Any]:
        """The exported columns of one workspace; JSON is read as text, as it is stored."""
        columns: list[Any] = []
        for name in self.schema.names:
            attribute: InstrumentedAttribute[Any] = getattr(self.model, name)
            if isinstance(attribute.type, JSON):
                columns.append(cast(attribute, Text).label(name))
            else:
                columns.append(attribute)
        return select(*columns).where(self.model.workspace_id == workspace_id)


SNAPSHOT_TABLES: tuple[SnapshotTable, ...] = (
    SnapshotTable(
        name="customers",
        model=Customer,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("language", pa.string()),
                ("attributes", pa.string()),
                ("created_at", UTC_TIME),
                ("first_seen_at", UTC_TIME),
                ("last_seen_at", UTC_TIME),
                ("total_spend", pa.decimal128(14, 2)),
                ("spend_currency", pa.string()),
                ("order_count", pa.int64()),
                ("first_purchase_at", UTC_TIME),
                ("last_purchase_at", UTC_TIME),
            ]
        ),
        on_forget="delete",
    ),
    SnapshotTable(
        name="channels",
        model=Channel,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("key", pa.string()),
                ("name_ar", pa.string()),
                ("name_en", pa.string()),
            ]
        ),
    ),
    SnapshotTable(
        name="touchpoints",
        model=Touchpoint,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("channel_id", pa.int64()),
                ("key", pa.string()),
                ("name_ar", pa.string()),
                ("name_en", pa.string()),
            ]
        ),
    ),
    SnapshotTable(
        name="events",
        model=Event,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                ("type", pa.string()),
                ("channel_id", pa.int64()),
                ("touchpoint_id", pa.int64()),
                ("occurred_at", UTC_TIME),
                ("received_at", UTC_TIME),
                ("properties", pa.string()),
            ]
        ),
        month_column="occurred_at",
        settle_column="received_at",
        on_forget="detach",
        detached_values={"customer_id": None, "properties": "{}"},
    ),
    SnapshotTable(
        name="transactions",
        model=Transaction,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                ("amount", pa.decimal128(14, 2)),
                ("currency", pa.string()),
                ("channel_id", pa.int64()),
                ("category", pa.string()),
                ("occurred_at", UTC_TIME),
                ("created_at", UTC_TIME),
                ("items", pa.string()),
            ]
        ),
        month_column="occurred_at",
        settle_column="created_at",
        on_forget="detach",
        detached_values={"customer_id": None, "items": "[]"},
    ),
    SnapshotTable(
        name="feedback_items",
        model=FeedbackItem,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("customer_id", pa.int64()),
                ("source", pa.string()),
                ("channel_id", pa.int64()),
                ("touchpoint_id", pa.int64()),
                ("text", pa.string()),
                ("language", pa.string()),
                ("rating", pa.decimal128(6, 2)),
                ("rating_scale_max", pa.int32()),
                ("created_at", UTC_TIME),
                ("received_at", UTC_TIME),
                ("details", pa.string()),
            ]
        ),
        month_column="created_at",
        settle_column="received_at",
        on_forget="delete",
    ),
)

TABLES_BY_NAME = {table.name: table for table in SNAPSHOT_TABLES}
