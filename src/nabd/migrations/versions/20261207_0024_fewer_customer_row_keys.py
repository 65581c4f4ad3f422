"""a customer's seen row, identities and search terms without a workspace foreign key, and the
seen row without its customer's: a trigger deletes it with the customer

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 10:40:00

Each foreign key is checked for every inserted row (PostgreSQL: a `SELECT … FOR KEY SHARE`
of the referenced row from a row trigger, about 8 µs of backend CPU in `EXPLAIN ANALYZE` of
500 creations; bench/README.md, 2026-12-07), and ingestion writes these three rows for every
customer it creates.

- `customer_seen`, `customer_identities`, `customer_search_terms`: the workspace's key only
  repeated the customer's. A row's workspace is its customer's, and a deleted workspace
  deletes its customers, whose deletion deletes these rows.
- `customer_seen`: the customer's key too. The row is only ever written with its customer
  (the same statement or flush), so the key checked what was just written; its ON DELETE
  CASCADE becomes a row trigger on `customers`, as `events`' did in 0022.

PostgreSQL: the trigger is created before the keys go, in one transaction; only the
catalogue changes, and a `lock_timeout` makes the migration fail (to be run again) rather
than queue every writer behind a long transaction. The downgrade adds the keys back NOT VALID
and validates them without blocking writes. SQLite: each table is rebuilt (SQLite cannot drop
a foreign key); none of them is referenced, so dropping the old tables deletes nothing else.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (constraint, table, column, referenced table)
KEYS = (
    ("fk_customer_seen_workspace_id_workspaces", "customer_seen", "workspace_id", "workspaces"),
    ("fk_customer_seen_customer_id_customers", "customer_seen", "customer_id", "customers"),
    (
        "fk_customer_identities_workspace_id_workspaces",
        "customer_identities",
        "workspace_id",
        "workspaces",
    ),
    (
        "fk_customer_search_terms_workspace_id_workspaces",
        "customer_search_terms",
        "workspace_id",
        "workspaces",
    ),
)
TABLES = ("customer_seen", "customer_identities", "customer_search_terms")
TRIGGER = "customer_seen_of_deleted_customer"
ACTION = "DELETE FROM customer_seen WHERE customer_id = OLD.id"


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        op.execute("SET LOCAL lock_timeout = '5s'")
        op.execute(
            f"CREATE OR REPLACE FUNCTION nabd_{TRIGGER}() RETURNS trigger LANGUAGE plpgsql "
            f"AS $$ BEGIN {ACTION}; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER DELETE ON customers "
            f"FOR EACH ROW EXECUTE FUNCTION nabd_{TRIGGER}()"
        )
        for constraint, table, _column, _referenced in KEYS:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint}")
        op.execute("RESET lock_timeout")  # not for the migrations after this one in the run
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always") as batch:
            for constraint, keyed, _column, _referenced in KEYS:
                if keyed == table:
                    batch.drop_constraint(constraint, type_="foreignkey")
    op.execute(
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGER} AFTER DELETE ON customers "
        f"FOR EACH ROW BEGIN {ACTION}; END"
    )


def downgrade() -> None:
    if _postgres():
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON customers")
        op.execute(f"DROP FUNCTION IF EXISTS nabd_{TRIGGER}()")
        for constraint, table, column, referenced in KEYS:
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {constraint} FOREIGN KEY ({column}) "
                f"REFERENCES {referenced} (id) ON DELETE CASCADE NOT VALID"
            )
        with op.get_context().autocommit_block():
            for constraint, table, _column, _referenced in KEYS:
                op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always") as batch:
            for constraint, keyed, column, referenced in KEYS:
                if keyed == table:
                    batch.create_foreign_key(
                        constraint, referenced, [column], ["id"], ondelete="CASCADE"
                    )
