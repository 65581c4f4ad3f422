"""workspace text models: taxonomy edits, text settings, trained model versions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _workspace_columns(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("id", ID, nullable=False),
        sa.Column("workspace_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{table}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "text_workspace_topics",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("custom", sa.Boolean(), nullable=False),
        sa.Column("label_ar", sa.String(length=120), nullable=True),
        sa.Column("label_en", sa.String(length=120), nullable=True),
        sa.Column("phrases", JSON, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_workspace_columns("text_workspace_topics"),
        sa.UniqueConstraint(
            "workspace_id", "key", name=op.f("uq_text_workspace_topics_workspace_id_key")
        ),
    )
    op.create_table(
        "text_workspace_settings",
        sa.Column("taxonomy_version", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("transformer_path", sa.String(length=1000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *_workspace_columns("text_workspace_settings"),
        sa.UniqueConstraint("workspace_id", name=op.f("uq_text_workspace_settings_workspace_id")),
    )
    op.create_table(
        "text_model_versions",
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("macro_f1", sa.Float(), nullable=False),
        sa.Column("shipped_macro_f1", sa.Float(), nullable=False),
        sa.Column("train_count", sa.Integer(), nullable=False),
        sa.Column("test_count", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *_workspace_columns("text_model_versions"),
        sa.UniqueConstraint(
            "workspace_id", "version", name=op.f("uq_text_model_versions_workspace_id_version")
        ),
    )
    for table in ("text_workspace_topics", "text_workspace_settings", "text_model_versions"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f(f"ix_{table}_workspace_id"), ["workspace_id"], unique=False
            )


def downgrade() -> None:
    for table in ("text_model_versions", "text_workspace_settings", "text_workspace_topics"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_workspace_id"))
        op.drop_table(table)
