"""Propagating a customer's erasure into the snapshot.

The snapshot mirrors what the database's erasure does (`nabd.customers.privacy`): the
profile and the customer's own words are deleted; events and transactions stay, detached
from the person and stripped of their free-form details, so the business's counts hold.
Only the files that mention the customer are rewritten.
"""

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nabd.analytics.layout import (
    DIMENSION_FILE,
    month_dirs,
    part_files,
    workspace_dir,
    workspace_lock,
)
from nabd.analytics.parquet import replace_file
from nabd.analytics.tables import SNAPSHOT_TABLES, SnapshotTable
from nabd.config import Settings


def _table_files(table_dir: Path, table: SnapshotTable) -> list[Path]:
    if not table.is_fact:
        path = table_dir / DIMENSION_FILE
        return [path] if path.exists() else []
    return [part.path for folder in month_dirs(table_dir) for part in part_files(folder)]


def _forgotten(table: pa.Table, table_spec: SnapshotTable, mask: pa.ChunkedArray) -> pa.Table:
    if table_spec.on_forget == "delete":
        return table.filter(pc.invert(mask))
    for name, value in table_spec.detached_values.items():
        position = table.schema.get_field_index(name)
        column_type = table.schema.field(name).type
        replaced = pc.if_else(mask, pa.scalar(value, type=column_type), table[name])
        table = table.set_column(position, name, replaced)
    return table


def forget_customers_in_files(root: Path, workspace_id: int, customer_ids: Iterable[int]) -> int:
    """Rewrite every file holding one of the customers; returns how many files changed.

    The caller holds the workspace lock.
    """
    wanted = pa.array(sorted(set(customer_ids)), type=pa.int64())
    if len(wanted) == 0:
        return 0
    changed = 0
    for table_spec in SNAPSHOT_TABLES:
        if table_spec.on_forget == "keep":
            continue
        key = table_spec.customer_key
        for path in _table_files(workspace_dir(root, workspace_id) / table_spec.name, table_spec):
            keys = pq.read_table(path, columns=[key])[key]
            if not pc.any(pc.is_in(keys, value_set=wanted)).as_py():
                continue
            table = pq.read_table(path, schema=table_spec.schema)
            mask = pc.fill_null(pc.is_in(table[key], value_set=wanted), False)
            replace_file(path, _forgotten(table, table_spec, mask))
            changed += 1
    return changed


def forget_customer(settings: Settings, *, workspace_id: int, customer_id: int) -> int:
    """Remove an erased customer from the workspace's snapshot; call it after the erase commits.

    Safe to call more than once; the next refresh also applies any erasure it finds missed.
    """
    root = settings.resolved_analytics_dir
    with workspace_lock(root, workspace_id):
        return forget_customers_in_files(root, workspace_id, [customer_id])
