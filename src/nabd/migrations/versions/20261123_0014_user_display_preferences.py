"""user display preferences

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 15:10:00

Each user's digits (Latin or Arabic-Indic) and calendar (Gregorian or Hijri) for Arabic pages.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(
            sa.Column("digits", sa.String(length=10), server_default="latin", nullable=False)
        )
        batch_op.add_column(
            sa.Column("calendar", sa.String(length=10), server_default="gregorian", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("calendar")
        batch_op.drop_column("digits")
