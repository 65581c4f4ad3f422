"""a customer's identities and search terms without their customer's foreign key (triggers on
`customers` delete them with it), and identities compared byte by byte on PostgreSQL

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 22:50:00

Each key ran a query for every inserted row (PostgreSQL: `SELECT … FOR KEY SHARE` of the
customer from a row trigger), and ingestion writes an identity and a search term or two for
every customer it creates, in the transaction that creates the customer: 2.3 ms of backend
CPU a batch of 500 new customers for the identities' key, 2.0 ms for the search terms'
(bench/README.md, 2026-12-07), checking rows that no other transaction can see yet. What the
keys guaranteed is kept otherwise (`nabd.customers.models.CustomerIdentity`): their ON DELETE
CASCADE is a row trigger on `customers` each, as `customer_seen`'s (0024) and `events`'
(0022) are, and the rows written for a customer that this transaction did not create are
written under `refresh_search_text`'s lock of that customer, the lock the key took.

PostgreSQL: `customer_identities.kind` and `value` in the `C` collation, as the search terms'
`term` is already: every look-up and insertion compares them in the unique (workspace, kind,
value) index, and in any other collation (`C.UTF-8` too) each comparison went through the C
library's `strcoll`. Equality is byte equality in every deterministic collation, so the same
pairs are equal and unique; only an order by value would change, and nabd sorts by none. The
unique index is rebuilt under the table's lock (seconds for millions of identities).

PostgreSQL: the triggers are created before the keys go, in one transaction; a `lock_timeout`
makes the migration fail (to be run again) rather than queue every writer behind a long
transaction. The downgrade adds the keys back NOT VALID and validates them without blocking
writes. SQLite: each table is rebuilt (SQLite cannot drop a foreign key); neither is
referenced, so dropping the old tables deletes nothing else. SQLite compares bytes already.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, its key to customers, the trigger on customers that does the key's ON DELETE
# CASCADE, what the trigger does for the deleted customer OLD)
KEYS = (
    (
        "customer_identities",
        "fk_customer_identities_customer_id_customers",
        "customer_identities_of_deleted_customer",
        "DELETE FROM customer_identities WHERE customer_id = OLD.id",
    ),
    (
        "customer_search_terms",
        "fk_customer_search_terms_customer_id_customers",
        "customer_search_terms_of_deleted_customer",
        "DELETE FROM customer_search_terms WHERE customer_id = OLD.id",
    ),
)


# (column, its type) of `customer_identities`, in the `C` collation on PostgreSQL.
COLUMNS = (("kind", "varchar(16)"), ("value", "varchar(320)"))


def _collation(collation: str) -> None:
    changes = ", ".join(
        f'ALTER COLUMN {column} TYPE {type_} COLLATE "{collation}"' for column, type_ in COLUMNS
    )
    op.execute(f"ALTER TABLE customer_identities {changes}")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _postgres():
        op.execute("SET LOCAL lock_timeout = '5s'")
        for table, constraint, trigger, action in KEYS:
            op.execute(
                f"CREATE OR REPLACE FUNCTION nabd_{trigger}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN {action}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE OR REPLACE TRIGGER {trigger} AFTER DELETE ON customers "
                f"FOR EACH ROW EXECUTE FUNCTION nabd_{trigger}()"
            )
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {constraint}")
        _collation("C")
        op.execute("RESET lock_timeout")  # not for the migrations after this one in the run
        return
    for table, constraint, _trigger, _action in KEYS:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(constraint, type_="foreignkey")
    for _table, _constraint, trigger, action in KEYS:
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {trigger} AFTER DELETE ON customers "
            f"FOR EACH ROW BEGIN {action}; END"
        )


def downgrade() -> None:
    if _postgres():
        op.execute("SET LOCAL lock_timeout = '5s'")
        _collation("default")
        op.execute("RESET lock_timeout")
        for table, constraint, trigger, _action in KEYS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON customers")
            op.execute(f"DROP FUNCTION IF EXISTS nabd_{trigger}()")
            op.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {constraint} FOREIGN KEY (customer_id) "
                "REFERENCES customers (id) ON DELETE CASCADE NOT VALID"
            )
        with op.get_context().autocommit_block():
            for table, constraint, _trigger, _action in KEYS:
                op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}")
        return
    for _table, _constraint, trigger, _action in KEYS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for table, constraint, _trigger, _action in KEYS:
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.create_foreign_key(
                constraint, "customers", ["customer_id"], ["id"], ondelete="CASCADE"
            )
