"""workspace phone region; events without their redundant workspace index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:15:00

The region (ISO 3166) in which each workspace's national phone numbers are read; existing
workspaces keep Saudi Arabia, which every workspace used before. The single-column
`ix_events_workspace_id` goes: every other index of `events` starts with `workspace_id`, and
each ingested event paid for writing it (bench/ingest_events.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(
            sa.Column("phone_region", sa.String(length=2), server_default="SA", nullable=False)
        )
    op.drop_index("ix_events_workspace_id", table_name="events")


def downgrade() -> None:
    op.create_index("ix_events_workspace_id", "events", ["workspace_id"], unique=False)
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("phone_region")
