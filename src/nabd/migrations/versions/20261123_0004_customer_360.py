"""customer 360

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:05:33.155252

Profiles gain sort and value columns (filled by `nabd customers reindex` for rows that
existed before), plus search terms, contact preferences and erasure tombstones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customer_erasures",
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customer_erasures_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_erasures")),
    )
    with op.batch_alter_table("customer_erasures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_erasures_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_erasures_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "customer_contact_preferences",
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_contact_preferences_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customer_contact_preferences_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_contact_preferences")),
        sa.UniqueConstraint(
            "workspace_id",
            "customer_id",
            "channel",
            name=op.f("uq_customer_contact_preferences_workspace_id_customer_id_channel"),
        ),
    )
    with op.batch_alter_table("customer_contact_preferences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_contact_preferences_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_contact_preferences_workspace_id"),
            ["workspace_id"],
            unique=False,
        )

    op.create_table(
        "customer_search_terms",
        sa.Column(
            "customer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "term",
            sa.String(length=320).with_variant(sa.String(length=320, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "workspace_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_search_terms_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_customer_search_terms_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", "term", name=op.f("pk_customer_search_terms")),
    )
    with op.batch_alter_table("customer_search_terms", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_search_terms_lookup", ["workspace_id", "term"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_customer_search_terms_workspace_id"), ["workspace_id"], unique=False
        )

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sort_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "total_spend", sa.Numeric(precision=14, scale=2), server_default="0", nullable=False
            )
        )
        batch_op.add_column(sa.Column("spend_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(
            sa.Column("order_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("first_purchase_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_purchase_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_customers_workspace_sort_name", ["workspace_id", "sort_name", "id"], unique=False
        )
        batch_op.create_index(
            "ix_customers_workspace_total_spend",
            ["workspace_id", "total_spend", "id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_workspace_total_spend")
        batch_op.drop_index("ix_customers_workspace_sort_name")
        batch_op.drop_column("last_purchase_at")
        batch_op.drop_column("first_purchase_at")
        batch_op.drop_column("order_count")
        batch_op.drop_column("spend_currency")
        batch_op.drop_column("total_spend")
        batch_op.drop_column("sort_name")

    with op.batch_alter_table("customer_search_terms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_search_terms_workspace_id"))
        batch_op.drop_index("ix_customer_search_terms_lookup")

    op.drop_table("customer_search_terms")
    with op.batch_alter_table("customer_contact_preferences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_contact_preferences_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_customer_contact_preferences_customer_id"))

    op.drop_table("customer_contact_preferences")
    with op.batch_alter_table("customer_erasures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_erasures_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_customer_erasures_customer_id"))

    op.drop_table("customer_erasures")
