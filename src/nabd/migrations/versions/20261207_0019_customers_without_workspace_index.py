"""customers, their identities and search terms without their redundant workspace indexes

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 02:30:00

The single-column `workspace_id` indexes of `customers`, `customer_identities` and
`customer_search_terms` go, as `ix_events_workspace_id` did in 0016: every other index of
these tables but the primary keys starts with `workspace_id` and serves the queries (and the
workspace's ON DELETE CASCADE) that filter by it alone. They cost ingestion twice
(bench/ingest_events.py):

- On a young or growing table PostgreSQL's statistics make the single-column index look as
  good as the unique (workspace_id, kind, value) one, and the batch lookup of identities
  (`select_unique`, one probe per value) then read every identity of the workspace for each
  value: 0.5 ms a probe at 2,000 identities, growing with them, while a workspace's first
  customers were created.
- Each batch of events rewrites its customers' first/last-seen dates, an update that is never
  HOT (`last_seen_at` is indexed): every index of `customers` takes a new entry per customer,
  one index fewer is a fifth less of that work; new customers and identities write one entry
  fewer each.
"""

from collections.abc import Sequence

from nabd.core.migrations import create_indexes, drop_indexes

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = [
    (f"ix_{table}_workspace_id", table, ["workspace_id"])
    for table in ("customers", "customer_identities", "customer_search_terms")
]


def upgrade() -> None:
    drop_indexes(INDEXES)


def downgrade() -> None:
    create_indexes(INDEXES)
