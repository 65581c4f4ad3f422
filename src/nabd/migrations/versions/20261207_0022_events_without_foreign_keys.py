"""events without foreign keys; the referenced rows' ON DELETE actions as triggers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 08:10:00

Each of `events`' four foreign keys (workspace, customer, touchpoint, channel) ran a query
for every inserted row (PostgreSQL: `SELECT … FOR KEY SHARE` of the referenced row): two
thirds of the backend's CPU of writing an event (bench/ingest_floor.py, 17.0 against 6.4 µs
a row), for ids that ingestion has just resolved in the same transaction. What the keys did
when a referenced row is deleted is kept by row triggers, which cost nothing when an event is
written: a deleted workspace or customer deletes its events (was ON DELETE CASCADE), a deleted
touchpoint or channel is set NULL in them (was SET NULL). Ingestion and the deletions of
customers exclude each other (`nabd.events.writers`); `nabd.events.models.Event` says more.

PostgreSQL: the triggers are created before the keys go, in one transaction; every statement
only changes the catalogue, and a `lock_timeout` makes the migration fail (to be run again)
rather than queue every writer of `events` behind a long transaction. The downgrade adds the
keys back NOT VALID and validates them without blocking writes.

SQLite: the table is rebuilt (SQLite cannot drop a foreign key). Dropping the old table runs
the ON DELETE SET NULL of `survey_invitations.event_id` when foreign keys are enforced (they
are, and a migration run's transaction may keep the pragma from being turned off), so the
invitations' event ids are kept aside and put back.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (constraint, column, referenced table, ON DELETE)
KEYS = (
    ("fk_events_workspace_id_workspaces", "workspace_id", "workspaces", "CASCADE"),
    ("fk_events_customer_id_customers", "customer_id", "customers", "CASCADE"),
    ("fk_events_touchpoint_id_touchpoints", "touchpoint_id", "touchpoints", "SET NULL"),
    ("fk_events_channel_id_channels", "channel_id", "channels", "SET NULL"),
)
# (trigger, table, what it does to the events of the deleted row OLD); each statement
# leads with the workspace, so the events' (workspace_id, …) indexes serve it.
TRIGGERS = (
    (
        "events_of_deleted_workspace",
        "workspaces",
        "DELETE FROM events WHERE workspace_id = OLD.id",
    ),
    (
        "events_of_deleted_customer",
        "customers",
        "DELETE FROM events WHERE workspace_id = OLD.workspace_id AND customer_id = OLD.id",
    ),
    (
        "events_of_deleted_touchpoint",
        "touchpoints",
        "UPDATE events SET touchpoint_id = NULL "
        "WHERE workspace_id = OLD.workspace_id AND touchpoint_id = OLD.id",
    ),
    (
        "events_of_deleted_channel",
        "channels",
        "UPDATE events SET channel_id = NULL "
        "WHERE workspace_id = OLD.workspace_id AND channel_id = OLD.id",
    ),
)
KEPT_INVITATIONS = "nabd_0022_invitation_events"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET LOCAL lock_timeout = '5s'")
        for name, table, action in TRIGGERS:
            op.execute(
                f"CREATE OR REPLACE FUNCTION nabd_{name}() RETURNS trigger LANGUAGE plpgsql "
                f"AS $$ BEGIN {action}; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE OR REPLACE TRIGGER {name} AFTER DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION nabd_{name}()"
            )
        for constraint, _column, _table, _action in KEYS:
            op.execute(f"ALTER TABLE events DROP CONSTRAINT IF EXISTS {constraint}")
        op.execute("RESET lock_timeout")  # not for the migrations after this one in the run
        return
    with _invitation_events_kept(), op.batch_alter_table("events", recreate="always") as batch:
        for constraint, _column, _table, _action in KEYS:
            batch.drop_constraint(constraint, type_="foreignkey")
    # After the rebuild: SQLite checks a trigger's tables when the table it names is renamed.
    for name, table, action in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER IF NOT EXISTS {name} AFTER DELETE ON {table} "
            f"FOR EACH ROW BEGIN {action}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _action in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS nabd_{name}()")
        for constraint, column, table, action in KEYS:
            op.execute(
                f"ALTER TABLE events ADD CONSTRAINT {constraint} FOREIGN KEY ({column}) "
                f"REFERENCES {table} (id) ON DELETE {action} NOT VALID"
            )
        with op.get_context().autocommit_block():
            for constraint, _column, _table, _action in KEYS:
                op.execute(f"ALTER TABLE events VALIDATE CONSTRAINT {constraint}")
        return
    for name, _table, _action in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with _invitation_events_kept(), op.batch_alter_table("events", recreate="always") as batch:
        for constraint, column, table, action in KEYS:
            batch.create_foreign_key(constraint, table, [column], ["id"], ondelete=action)


@contextmanager
def _invitation_events_kept() -> Iterator[None]:
    """SQLite: `survey_invitations.event_id` put back as it was before `events` is rebuilt."""
    op.execute(
        f"CREATE TEMP TABLE {KEPT_INVITATIONS} AS "  # noqa: S608 - our own table
        "SELECT id, event_id FROM survey_invitations WHERE event_id IS NOT NULL"
    )
    yield
    op.execute(
        "UPDATE survey_invitations SET event_id = "  # noqa: S608 - our own table
        f"(SELECT k.event_id FROM {KEPT_INVITATIONS} AS k WHERE k.id = survey_invitations.id) "
        f"WHERE id IN (SELECT id FROM {KEPT_INVITATIONS})"
    )
    op.execute(f"DROP TABLE {KEPT_INVITATIONS}")
