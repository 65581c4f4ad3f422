"""journeys and stages

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 14:48:55

Journeys with ordered stages, and the touchpoints each stage holds (one stage per journey);
a workspace's own churn window (metrics_settings).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journeys",
        sa.Column("name_ar", sa.String(length=150), nullable=False),
        sa.Column("name_en", sa.String(length=150), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_journeys_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journeys")),
    )
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journeys_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "journey_stages",
        sa.Column(
            "journey_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_ar", sa.String(length=150), nullable=False),
        sa.Column("name_en", sa.String(length=150), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_stages_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_journey_stages_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_stages")),
    )
    with op.batch_alter_table("journey_stages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journey_stages_journey_id"), ["journey_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_journey_stages_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "journey_stage_touchpoints",
        sa.Column(
            "journey_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("stage_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "touchpoint_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["journey_id"],
            ["journeys.id"],
            name=op.f("fk_journey_stage_touchpoints_journey_id_journeys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"],
            ["journey_stages.id"],
            name=op.f("fk_journey_stage_touchpoints_stage_id_journey_stages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_journey_stage_touchpoints_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_journey_stage_touchpoints_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_stage_touchpoints")),
        sa.UniqueConstraint(
            "journey_id",
            "touchpoint_id",
            name=op.f("uq_journey_stage_touchpoints_journey_id_touchpoint_id"),
        ),
    )
    with op.batch_alter_table("journey_stage_touchpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_journey_stage_touchpoints_stage_id"), ["stage_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_journey_stage_touchpoints_touchpoint_id"),
            ["touchpoint_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_journey_stage_touchpoints_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "metrics_settings",
        sa.Column("churn_inactive_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_metrics_settings_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_metrics_settings")),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_metrics_settings_workspace_id")),
    )
    with op.batch_alter_table("metrics_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_metrics_settings_workspace_id"), ["workspace_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("metrics_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metrics_settings_workspace_id"))
    op.drop_table("metrics_settings")
    with op.batch_alter_table("journey_stage_touchpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_stage_touchpoints_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_journey_stage_touchpoints_touchpoint_id"))
        batch_op.drop_index(batch_op.f("ix_journey_stage_touchpoints_stage_id"))

    op.drop_table("journey_stage_touchpoints")
    with op.batch_alter_table("journey_stages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journey_stages_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_journey_stages_journey_id"))

    op.drop_table("journey_stages")
    with op.batch_alter_table("journeys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journeys_workspace_id"))

    op.drop_table("journeys")
