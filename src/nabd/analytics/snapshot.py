"""Keeping a workspace's analytics snapshot in step with the database.

A refresh applies new erasure tombstones and analysts' topic corrections, appends the fact
rows written since the last refresh (by id, into the folder of their month, so a late row for
an old month lands there as a new part) and rewrites the dimension tables. Rows are streamed
in chunks, so memory stays flat however large the tables are.
"""

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from nabd.analytics.erasure import forget_customers_in_files
from nabd.analytics.layout import (
    DIMENSION_FILE,
    PartFile,
    month_dir,
    month_dirs,
    part_files,
    part_name,
    rebuild_dir,
    swap_in_rebuild,
    workspace_dir,
    workspace_lock,
)
from nabd.analytics.models import AnalyticsWatermark
from nabd.analytics.parquet import StagedParquetFile, rows_to_table
from nabd.analytics.tables import SNAPSHOT_TABLES, SnapshotTable
from nabd.analytics.topic_pairs import responses_of_topic_corrections, resync_responses
from nabd.core.types import utcnow
from nabd.customers.models import CustomerErasure
from nabd.text.annotations import TextCorrection
from nabd.workspaces.models import Workspace

CHUNK_ROWS = 50_000
# Ids are handed out when a row is inserted but become visible when its transaction commits,
# possibly after a higher id. Rows younger than this wait for the next refresh, so a short
# transaction still in flight cannot fall below the watermark.
SETTLE_SECONDS = 60
# Every refresh adds a part per month it touches; past this many, a month is merged.
MAX_PARTS_PER_MONTH = 16
ERASURES_WATERMARK = "customer_erasures"
# The last analyst's correction whose topic pairs the snapshot holds (`topic_pairs`).
CORRECTIONS_WATERMARK = "text_corrections"


@dataclass(frozen=True)
class RefreshReport:
    workspace_id: int
    rows_written: dict[str, int] = field(default_factory=dict)
    erasures_applied: int = 0
    rebuilt: bool = False


def _watermarks(session: Session, workspace_id: int) -> dict[str, AnalyticsWatermark]:
    rows = session.scalars(
        select(AnalyticsWatermark).where(AnalyticsWatermark.workspace_id == workspace_id)
    )
    return {row.table_name: row for row in rows}


def _record(
    session: Session,
    marks: dict[str, AnalyticsWatermark],
    *,
    workspace_id: int,
    table_name: str,
    last_id: int,
    at: datetime,
) -> None:
    mark = marks.get(table_name)
    if mark is None:
        mark = AnalyticsWatermark(workspace_id=workspace_id, table_name=table_name)
        session.add(mark)
        marks[table_name] = mark
    mark.last_id = last_id
    mark.refreshed_at = at


def _apply_new_erasures(
    session: Session, root: Path, workspace_id: int, after_id: int
) -> tuple[int, int]:
    """Forget customers erased since the last refresh; returns (count, last tombstone id)."""
    tombstones = session.execute(
        select(CustomerErasure.id, CustomerErasure.customer_id).where(
            CustomerErasure.workspace_id == workspace_id, CustomerErasure.id > after_id
        )
    ).all()
    if not tombstones:
        return 0, after_id
    forget_customers_in_files(root, workspace_id, {row.customer_id for row in tombstones})
    return len(tombstones), max(row.id for row in tombstones)


def _tidy_fact_folders(table_dir: Path, after_id: int) -> None:
    """Undo what an interrupted refresh or merge left: unrecorded parts and merged leftovers."""
    for folder in month_dirs(table_dir):
        for leftover in folder.glob(".part-*.tmp"):
            leftover.unlink()
        parts = part_files(folder)
        for part in parts:
            superseded = any(other is not part and other.contains(part) for other in parts)
            if part.last_id > after_id or superseded:
                part.path.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()


def _settled_bound(
    session: Session, table: SnapshotTable, workspace_id: int, after_id: int, cutoff: datetime
) -> int | None:
    """The highest id that may be exported now: just below the oldest unsettled new row."""
    assert table.settle_column is not None
    model = table.model
    unsettled = session.scalar(
        table.scoped(select(func.min(model.id)).select_from(model), workspace_id).where(
            model.id > after_id, table.attribute(table.settle_column) > cutoff
        )
    )
    return None if unsettled is None else unsettled - 1


def _month(value: datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


class _ExportedKeys:
    """The `unique_columns` values already in each month of a fact, read from its parts when a
    refresh first writes to the month, then kept as the refresh adds rows."""

    def __init__(self, table: SnapshotTable, table_dir: Path) -> None:
        self.columns = list(table.unique_columns)
        self.table_dir = table_dir
        self.by_month: dict[str, pl.DataFrame] = {}

    def first_time(self, month: str, rows: pa.Table) -> pa.Table:
        """The rows (of one month, in id order) whose values are new: the first of each."""
        frame = pl.from_arrow(rows.select(self.columns))
        assert isinstance(frame, pl.DataFrame)
        if month not in self.by_month:
            paths = [part.path for part in part_files(month_dir(self.table_dir, month))]
            exported = [pl.read_parquet(path, columns=self.columns) for path in paths]
            self.by_month[month] = pl.concat(exported) if exported else frame.clear()
        fresh = (
            frame.with_row_index("row")
            .unique(self.columns, keep="first", maintain_order=True)
            .join(self.by_month[month], on=self.columns, how="anti")
        )
        self.by_month[month] = pl.concat([self.by_month[month], fresh.select(self.columns)])
        return rows.take(fresh["row"].to_arrow())


def _append_facts(
    session: Session,
    table: SnapshotTable,
    table_dir: Path,
    *,
    workspace_id: int,
    after_id: int,
    cutoff: datetime,
) -> tuple[int, int]:
    """Write rows above `after_id` into a new part per month; returns (rows, new last id)."""
    assert table.month_column is not None
    if after_id and not any(part_files(folder) for folder in month_dirs(table_dir)):
        after_id = 0  # the files went missing (a deleted or moved snapshot): start over
    _tidy_fact_folders(table_dir, after_id)
    statement = table.select_rows(workspace_id).where(table.model.id > after_id)
    bound = _settled_bound(session, table, workspace_id, after_id, cutoff)
    if bound is not None:
        statement = statement.where(table.model.id <= bound)
    statement = statement.order_by(table.model.id).execution_options(yield_per=CHUNK_ROWS)

    month_position = table.schema.names.index(table.month_column)
    seen = _ExportedKeys(table, table_dir) if table.unique_columns else None
    staged: dict[str, tuple[StagedParquetFile, list[int]]] = {}
    row_count, last_id = 0, after_id
    try:
        for rows in session.execute(statement).partitions():
            positions_by_month: dict[str, list[int]] = {}
            for position, row in enumerate(rows):
                positions_by_month.setdefault(_month(row[month_position]), []).append(position)
            chunk = rows_to_table(rows, table.schema)
            for month, positions in positions_by_month.items():
                part = chunk.take(positions)
                if seen is not None:
                    part = seen.first_time(month, part)
                    if part.num_rows == 0:
                        continue
                if month not in staged:
                    folder = month_dir(table_dir, month)
                    staged[month] = (StagedParquetFile(folder / "part.parquet", table.schema), [])
                file, ids = staged[month]
                file.write(part)
                ids.extend(part.column("id").to_pylist())
            row_count += len(rows)
            last_id = rows[-1][0]
    except BaseException:
        for file, _ids in staged.values():
            file.discard()
        raise
    for month, (file, ids) in staged.items():
        folder = month_dir(table_dir, month)
        file.publish(folder / part_name(min(ids), max(ids)))
        _merge_if_fragmented(folder, table.schema)
    return row_count, last_id


def _merge_if_fragmented(folder: Path, schema: pa.Schema) -> None:
    """Merge a month's parts into one once there are many; the parts go after the merge lands."""
    parts: list[PartFile] = part_files(folder)
    if len(parts) <= MAX_PARTS_PER_MONTH:
        return
    merged = StagedParquetFile(folder / "part.parquet", schema)
    for part in parts:
        merged.write(pq.read_table(part.path, schema=schema))
    merged.publish(folder / part_name(parts[0].first_id, max(part.last_id for part in parts)))
    for part in parts:
        part.path.unlink()


def _rewrite_dimension(
    session: Session, table: SnapshotTable, table_dir: Path, *, workspace_id: int
) -> int:
    order = [table.attribute(name) for name in table.order_columns]
    statement = table.select_rows(workspace_id).order_by(*order)
    file = StagedParquetFile(table_dir / DIMENSION_FILE, table.schema)
    row_count = 0
    try:
        for rows in session.execute(statement.execution_options(yield_per=CHUNK_ROWS)).partitions():
            file.write(rows_to_table(rows, table.schema))
            row_count += len(rows)
    except BaseException:
        file.discard()
        raise
    file.publish()
    return row_count


def refresh_snapshot(
    session: Session,
    *,
    root: Path,
    workspace_id: int,
    rebuild: bool = False,
    wait: bool = True,
    settle_seconds: float = SETTLE_SECONDS,
) -> RefreshReport:
    """Bring the workspace's snapshot up to date; the caller commits the new watermarks.

    `rebuild` starts from nothing. Without `wait`, a snapshot busy in another process raises
    `SnapshotBusy` at once instead of waiting its turn.
    """
    started_at = utcnow()
    with workspace_lock(root, workspace_id, wait=wait):
        folder = workspace_dir(root, workspace_id)
        if rebuild:
            folder = rebuild_dir(root, workspace_id)
            shutil.rmtree(folder, ignore_errors=True)
            session.execute(
                delete(AnalyticsWatermark).where(AnalyticsWatermark.workspace_id == workspace_id)
            )
        marks = _watermarks(session, workspace_id)
        erasure_mark = marks.get(ERASURES_WATERMARK)
        if rebuild or erasure_mark is None:
            # A snapshot built now holds only what the database holds: nothing to forget.
            erasures_applied = 0
            last_tombstone = session.scalar(
                select(func.coalesce(func.max(CustomerErasure.id), 0)).where(
                    CustomerErasure.workspace_id == workspace_id
                )
            )
        else:
            erasures_applied, last_tombstone = _apply_new_erasures(
                session, root, workspace_id, erasure_mark.last_id
            )
        corrections_mark = marks.get(CORRECTIONS_WATERMARK)
        if rebuild or corrections_mark is None:
            last_correction = session.scalar(
                select(func.coalesce(func.max(TextCorrection.id), 0)).where(
                    TextCorrection.workspace_id == workspace_id
                )
            )
        else:
            # Normally done after each correction's commit; this makes up for a lost job.
            corrected, last_correction = responses_of_topic_corrections(
                session, workspace_id=workspace_id, after_id=corrections_mark.last_id
            )
            resync_responses(session, root, workspace_id, corrected)
        rows_written: dict[str, int] = {}
        cutoff = started_at - timedelta(seconds=settle_seconds)
        for table in SNAPSHOT_TABLES:
            table_dir = folder / table.name
            if table.is_fact:
                mark = marks.get(table.name)
                count, last_id = _append_facts(
                    session,
                    table,
                    table_dir,
                    workspace_id=workspace_id,
                    after_id=mark.last_id if mark else 0,
                    cutoff=cutoff,
                )
            else:
                count = _rewrite_dimension(session, table, table_dir, workspace_id=workspace_id)
                last_id = 0
            rows_written[table.name] = count
            _record(
                session,
                marks,
                workspace_id=workspace_id,
                table_name=table.name,
                last_id=last_id,
                at=started_at,
            )
        _record(
            session,
            marks,
            workspace_id=workspace_id,
            table_name=ERASURES_WATERMARK,
            last_id=last_tombstone or 0,
            at=started_at,
        )
        _record(
            session,
            marks,
            workspace_id=workspace_id,
            table_name=CORRECTIONS_WATERMARK,
            last_id=last_correction or 0,
            at=started_at,
        )
        session.flush()
        if rebuild:
            swap_in_rebuild(root, workspace_id)
    return RefreshReport(workspace_id, rows_written, erasures_applied, rebuild)


def snapshot_freshness(session: Session, *, workspace_id: int) -> datetime | None:
    """When the workspace's snapshot last completed a refresh: what "data as of" shows."""
    marks = _watermarks(session, workspace_id)
    if any(table.name not in marks for table in SNAPSHOT_TABLES):
        return None
    return min(marks[table.name].refreshed_at for table in SNAPSHOT_TABLES)


def workspaces_due(session: Session, *, every_minutes: int) -> list[int]:
    """Workspaces whose snapshot is missing or older than `every_minutes`."""
    oldest = (
        select(
            AnalyticsWatermark.workspace_id, func.min(AnalyticsWatermark.refreshed_at).label("at")
        )
        .group_by(AnalyticsWatermark.workspace_id)
        .subquery()
    )
    cutoff = utcnow() - timedelta(minutes=every_minutes)
    rows = session.execute(
        select(Workspace.id)
        .outerjoin(oldest, oldest.c.workspace_id == Workspace.id)
        .where((oldest.c.at.is_(None)) | (oldest.c.at <= cutoff))
        .order_by(Workspace.id)
    )
    return list(rows.scalars())


def all_workspace_ids(session: Session) -> list[int]:
    return list(session.scalars(select(Workspace.id).order_by(Workspace.id)))
