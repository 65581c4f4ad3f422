"""analytics watermarks

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_watermarks",
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("last_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_analytics_watermarks_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_watermarks")),
        sa.UniqueConstraint(
            "workspace_id",
            "table_name",
            name=op.f("uq_analytics_watermarks_workspace_id_table_name"),
        ),
    )
    with op.batch_alter_table("analytics_watermarks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_analytics_watermarks_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("analytics_watermarks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analytics_watermarks_workspace_id"))
    op.drop_table("analytics_watermarks")
