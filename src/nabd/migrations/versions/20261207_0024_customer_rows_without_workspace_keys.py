"""a customer's seen row, identities and search terms without a workspace foreign key

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 10:40:00

`customer_seen`, `customer_identities` and `customer_search_terms` each had two foreign keys:
to their customer (ON DELETE CASCADE) and to their workspace (ON DELETE CASCADE). The
workspace's key only repeated the customer's: a row's workspace is its customer's, and a
deleted workspace deletes its customers, whose own keys delete these rows. Yet it was checked
for every inserted row (PostgreSQL: a `SELECT … FOR KEY SHARE` of the workspace from a row
trigger), three times for every customer that ingestion creates: about 8 µs of backend CPU a
customer each (`EXPLAIN ANALYZE` of 500 creations; bench/README.md, 2026-12-07).
`nabd.core.models.WorkspaceScoped.workspace_foreign_key` says how the workspace stays right.

PostgreSQL: only the catalogue changes; a `lock_timeout` makes the migration fail (to be run
again) rather than queue every writer behind a long transaction. The downgrade adds the keys
back NOT VALID and validates them without blocking writes. SQLite: each table is rebuilt
(SQLite cannot drop a foreign key); none of them is referenced, so dropping the old tables
deletes nothing else.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("customer_seen", "customer_identities", "customer_search_terms")


def _key(table: str) -> str:
    return f"fk_{table}_workspace_id_workspaces"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {_key(table)}")
        op.execute("RESET lock_timeout")  # not for the migrations after this one in the run
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(_key(table), type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {_key(table)} FOREIGN KEY (workspace_id) "
                "REFERENCES workspaces (id) ON DELETE CASCADE NOT VALID"
            )
        with op.get_context().autocommit_block():
            for table in TABLES:
                op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {_key(table)}")
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.create_foreign_key(
                _key(table), "workspaces", ["workspace_id"], ["id"], ondelete="CASCADE"
            )
