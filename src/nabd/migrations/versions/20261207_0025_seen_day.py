"""the customer list's "last seen" index on a UTC day, `customer_seen.last_seen_on`, so that
ingestion's same-day rewrites of the precise dates write no index entry

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 16:40:00

Every event that moves a customer's `last_seen_at` forward rewrote its `customer_seen` row,
and as `last_seen_at` was indexed ((workspace_id, last_seen_at, customer_id), the list's keyset)
the rewrite was never HOT on PostgreSQL: new entries in the primary key and in that index for
every update, and both left to vacuum. The index now holds the UTC day of `last_seen_at`
(`last_seen_on`), which changes at most once a day a customer; `first_seen_at` and
`last_seen_at` stay precise and unindexed. PostgreSQL: the table gets fillfactor 50, room on
each page for the new versions of its rows, so a same-day rewrite stays on its page (HOT).
Measured with the events API's benchmark (bench/README.md, 2026-12-07 16:24): 99 % of the
updates HOT at 50, 77 % at 70, 35 % at 90 (a page is pruned of its dead versions only some
batches after they die), and the table ends smaller at 50 than at 70 (the updates that miss
their page extend it); 19 % less WAL an event and about 4 backend µs less than before.

PostgreSQL: the day is added as a generated column, which rewrites the table once (at the new
fillfactor, no dead copy of each row as an UPDATE would leave), then made a plain column
(`DROP EXPRESSION`, the catalogue only): ingestion writes it with the precise time. The table
is locked for the rewrite (seconds for a million customers); a `lock_timeout` makes the
migration fail (to be run again) rather than queue every writer behind a long transaction.
SQLite stores moments as UTC text, so the day is its first ten characters, as nabd stores a
date.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INDEX = "ix_customer_seen_workspace_last_seen"
NEW_INDEX = "ix_customer_seen_workspace_last_seen_on"
FILLFACTOR = 50


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.execute(f"ALTER TABLE customer_seen SET (fillfactor = {FILLFACTOR})")
        op.execute(
            "ALTER TABLE customer_seen ADD COLUMN last_seen_on date "
            "GENERATED ALWAYS AS ((last_seen_at AT TIME ZONE 'UTC')::date) STORED"
        )
        op.execute("ALTER TABLE customer_seen ALTER COLUMN last_seen_on DROP EXPRESSION")
    else:
        op.execute("ALTER TABLE customer_seen ADD COLUMN last_seen_on DATE")
        op.execute("UPDATE customer_seen SET last_seen_on = substr(last_seen_at, 1, 10)")
    op.create_index(NEW_INDEX, "customer_seen", ["workspace_id", "last_seen_on", "customer_id"])
    op.drop_index(OLD_INDEX, table_name="customer_seen")
    if _postgres():
        op.execute("ANALYZE customer_seen")
        op.execute("RESET lock_timeout")  # not for the migrations after this one in the run


def downgrade() -> None:
    if _postgres():
        op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_index(OLD_INDEX, "customer_seen", ["workspace_id", "last_seen_at", "customer_id"])
    op.drop_index(NEW_INDEX, table_name="customer_seen")
    op.execute("ALTER TABLE customer_seen DROP COLUMN last_seen_on")
    if _postgres():
        op.execute("ALTER TABLE customer_seen RESET (fillfactor)")
        op.execute("RESET lock_timeout")
