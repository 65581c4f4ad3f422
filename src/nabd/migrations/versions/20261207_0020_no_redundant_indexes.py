"""no index that another index of its table already serves

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 06:00:00

The single-column `workspace_id` index of every table whose unique constraint or other index
starts with `workspace_id` goes (as in 0016 and 0019), and so does `survey_questions`'
`survey_id` index, which its unique (survey_id, key) serves. Four of them (the settings
tables') duplicated a unique index on the same column. Each cost one more entry to write for
every row: a batch of 500 survey responses writes 2,500 rows into `survey_responses`,
`survey_answers` and `feedback_items`, and bench/survey_floor.py wrote them in 9 % less CPU
without those tables' three. The models say which tables these are
(`WorkspaceScoped.workspace_leads_an_index`); tests/core/test_models.py keeps it so.
"""

from collections.abc import Sequence

from nabd.core.migrations import create_indexes, drop_indexes

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "analytics_watermarks",
    "channels",
    "customer_contact_preferences",
    "customer_merges",
    "customer_privacy_settings",
    "feedback_items",
    "goal_notifications",
    "memberships",
    "metrics_settings",
    "report_subscriptions",
    "survey_answers",
    "survey_delivery_settings",
    "survey_invitations",
    "survey_responses",
    "text_annotation_topics",
    "text_annotations",
    "text_corrections",
    "text_model_versions",
    "text_workspace_settings",
    "text_workspace_topics",
    "touchpoints",
    "transactions",
)
INDEXES = [(f"ix_{table}_workspace_id", table, ["workspace_id"]) for table in TABLES]
INDEXES.append(("ix_survey_questions_survey_id", "survey_questions", ["survey_id"]))


def upgrade() -> None:
    drop_indexes(INDEXES)


def downgrade() -> None:
    create_indexes(INDEXES)
