"""customer privacy settings

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 11:30:00

Which roles see customers' e-mail addresses and phone numbers masked, per workspace.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_privacy_settings",
        sa.Column(
            "masked_roles",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customer_privacy_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_privacy_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_customer_privacy_settings_workspace_id")),
    )
    with op.batch_alter_table("customer_privacy_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_privacy_settings_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_privacy_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_privacy_settings_workspace_id"))
    op.drop_table("customer_privacy_settings")
