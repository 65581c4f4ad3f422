"""survey responses' invitation index holds only the responses that have one

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 08:00:00

`survey_responses.invitation_id` is NULL for every response that comes through the API, a
batch or an import, and its index had an entry for each: 500 of a batch of 500 responses'
index writes that no query could read. The index is now partial, `ix_survey_responses_invited`
`WHERE invitation_id IS NOT NULL`: its queries compare the column with `=`, which no NULL
passes, and SQLite and PostgreSQL both read a partial index whose predicate such a comparison
implies, the foreign key's ON DELETE SET NULL included (tests/surveys/test_indexes.py).
"""

from collections.abc import Sequence

from nabd.core.migrations import create_indexes, drop_indexes

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INVITED = ("ix_survey_responses_invited", "survey_responses", ["invitation_id"])
INVITATION_ID = ("ix_survey_responses_invitation_id", "survey_responses", ["invitation_id"])
INVITED_ONLY = "invitation_id IS NOT NULL"

# The new index is built before the old one goes, so the invitations' queries always have
# one; on PostgreSQL CONCURRENTLY, so responses go on being stored meanwhile.


def upgrade() -> None:
    create_indexes([INVITED], where=INVITED_ONLY)
    drop_indexes([INVITATION_ID])


def downgrade() -> None:
    create_indexes([INVITATION_ID])
    drop_indexes([INVITED])
