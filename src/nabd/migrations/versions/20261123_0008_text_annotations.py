"""text annotations and corrections

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 11:08:26.938440
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "text_annotations",
        sa.Column(
            "feedback_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("taxonomy_version", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column(
            "topics", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("intent", sa.String(length=16), nullable=True),
        sa.Column("emotion", sa.String(length=16), nullable=True),
        sa.Column(
            "key_phrases", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("urgent", sa.Boolean(), nullable=True),
        sa.Column(
            "sentences", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column(
            "corrected_fields",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("annotated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["feedback_item_id"],
            ["feedback_items.id"],
            name=op.f("fk_text_annotations_feedback_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_text_annotations_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_annotations")),
        sa.UniqueConstraint(
            "workspace_id",
            "feedback_item_id",
            name=op.f("uq_text_annotations_workspace_id_feedback_item_id"),
        ),
    )
    with op.batch_alter_table("text_annotations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_text_annotations_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_text_annotations_workspace_sentiment", ["workspace_id", "sentiment"], unique=False
        )

    op.create_table(
        "text_annotation_topics",
        sa.Column(
            "feedback_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("topic", sa.String(length=64), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["feedback_item_id"],
            ["feedback_items.id"],
            name=op.f("fk_text_annotation_topics_feedback_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_text_annotation_topics_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_annotation_topics")),
        sa.UniqueConstraint(
            "workspace_id",
            "feedback_item_id",
            "topic",
            name=op.f("uq_text_annotation_topics_workspace_id_feedback_item_id_topic"),
        ),
    )
    with op.batch_alter_table("text_annotation_topics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_text_annotation_topics_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_text_annotation_topics_workspace_topic", ["workspace_id", "topic"], unique=False
        )

    op.create_table(
        "text_corrections",
        sa.Column(
            "feedback_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=1000), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_item_id"],
            ["feedback_items.id"],
            name=op.f("fk_text_corrections_feedback_item_id_feedback_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_text_corrections_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_text_corrections_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_corrections")),
    )
    with op.batch_alter_table("text_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_text_corrections_workspace_id"), ["workspace_id"], unique=False
        )
        batch_op.create_index(
            "ix_text_corrections_workspace_item", ["workspace_id", "feedback_item_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("text_corrections", schema=None) as batch_op:
        batch_op.drop_index("ix_text_corrections_workspace_item")
        batch_op.drop_index(batch_op.f("ix_text_corrections_workspace_id"))

    op.drop_table("text_corrections")

    with op.batch_alter_table("text_annotations", schema=None) as batch_op:
        batch_op.drop_index("ix_text_annotations_workspace_sentiment")
        batch_op.drop_index(batch_op.f("ix_text_annotations_workspace_id"))

    op.drop_table("text_annotations")

    with op.batch_alter_table("text_annotation_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_text_annotation_topics_workspace_topic")
        batch_op.drop_index(batch_op.f("ix_text_annotation_topics_workspace_id"))

    op.drop_table("text_annotation_topics")
