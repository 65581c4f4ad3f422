"""workspace phone region

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-06 15:15:00

The region (ISO 3166) in which each workspace's national phone numbers are read; existing
workspaces keep Saudi Arabia, which every workspace used before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.add_column(
            sa.Column("phone_region", sa.String(length=2), server_default="SA", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces") as batch_op:
        batch_op.drop_column("phone_region")
