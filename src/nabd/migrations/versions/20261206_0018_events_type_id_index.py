"""events by type in id order, for the survey triggers' scan

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:40:00

`ix_events_type_time` (workspace, type, occurred_at) becomes `ix_events_type_id` (workspace,
type, id). The only query that filters events by type is the survey triggers' scan
(`workspace_id = ? AND type = ? AND id > ? ORDER BY id LIMIT ?`): with the old index SQLite
read every event of the type and sorted them (13 ms per scan at 300,000 events), and
PostgreSQL walked the primary key filtering other types; with the new one both seek to the
first new event and read in order (0.2 ms). Its entries are also smaller to write for each
ingested event (bench/ingest_events.py).
"""

from collections.abc import Sequence

from nabd.core.migrations import create_indexes, drop_indexes

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TYPE_TIME = ("ix_events_type_time", "events", ["workspace_id", "type", "occurred_at"])
TYPE_ID = ("ix_events_type_id", "events", ["workspace_id", "type", "id"])

# The new index is built before the old one goes, so the triggers' scan always has one. On
# PostgreSQL both run CONCURRENTLY: the events table is the largest, and a plain CREATE INDEX
# would block every ingest while it builds.


def upgrade() -> None:
    create_indexes([TYPE_ID])
    drop_indexes([TYPE_TIME])


def downgrade() -> None:
    create_indexes([TYPE_TIME])
    drop_indexes([TYPE_ID])
