"""customers' first/last-seen dates in a narrow table of their own, `customer_seen`

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 08:40:00

Ingestion widens the seen dates of every customer of every batch. On `customers` each such
update wrote a new version of a wide row and an entry in each of its four indexes (never HOT:
`last_seen_at` was indexed), about 17 backend µs a customer on PostgreSQL; the same dates in a
narrow row with two indexes cost 6.6 (bench/ingest_floor.py, "narrow seen"). One row per
customer, copied here; `ix_customers_workspace_last_seen` becomes
`ix_customer_seen_workspace_last_seen` (workspace_id, last_seen_at, customer_id), the customer
list's keyset.

The columns are dropped with `ALTER TABLE … DROP COLUMN`, not by rebuilding `customers`: on
PostgreSQL that only changes the catalogue, and on SQLite (3.35+) it rewrites the rows in
place, where a rebuild would drop the old table and so run the ON DELETE CASCADE of every
table referencing customers. PostgreSQL: `customers` is locked against writes (reads go on)
from before the copy to the end, so no date written meanwhile is lost; the copy takes seconds
a million customers. A `lock_timeout` makes the migration fail (to be run again) rather than
queue every writer behind a long transaction.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEX = "ix_customers_workspace_last_seen"
NEW_INDEX = "ix_customer_seen_workspace_last_seen"
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.execute("LOCK TABLE customers IN EXCLUSIVE MODE")
    op.create_table(
        "customer_seen",
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_seen_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customer_seen_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_seen")),
    )
    op.execute(
        "INSERT INTO customer_seen (customer_id, workspace_id, first_seen_at, last_seen_at) "
        "SELECT id, workspace_id, first_seen_at, last_seen_at FROM customers ORDER BY id"
    )
    op.create_index(NEW_INDEX, "customer_seen", ["workspace_id", "last_seen_at", "customer_id"])
    op.drop_index(OLD_INDEX, table_name="customers")
    op.execute("ALTER TABLE customers DROP COLUMN first_seen_at")
    op.execute("ALTER TABLE customers DROP COLUMN last_seen_at")
    if _postgres():
        op.execute("ANALYZE customer_seen")
        op.execute("SET LOCAL lock_timeout = DEFAULT")


def downgrade() -> None:
    if _postgres():
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.execute("LOCK TABLE customers IN EXCLUSIVE MODE")
        op.execute("LOCK TABLE customer_seen IN EXCLUSIVE MODE")
    op.add_column("customers", sa.Column("first_seen_at", sa.DateTime(timezone=True)))
    op.add_column("customers", sa.Column("last_seen_at", sa.DateTime(timezone=True)))
    op.execute(
        "UPDATE customers AS c SET first_seen_at = s.first_seen_at, "
        "last_seen_at = s.last_seen_at FROM customer_seen AS s "
        "WHERE s.customer_id = c.id AND (s.first_seen_at IS NOT NULL "
        "OR s.last_seen_at IS NOT NULL)"
    )
    op.create_index(OLD_INDEX, "customers", ["workspace_id", "last_seen_at"])
    op.drop_table("customer_seen")
    if _postgres():
        op.execute("SET LOCAL lock_timeout = DEFAULT")
