"""Refreshing the snapshot writes exactly the database's rows, incrementally and safely."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.analytics import snapshot
from nabd.analytics.layout import month_dir, part_files
from nabd.analytics.snapshot import refresh_snapshot, snapshot_freshness, workspaces_due
from nabd.config import Settings
from nabd.core.sql import month_bucket
from nabd.events import service as events
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from tests.analytics.seed import LONG_AGO, read_table, seed_spine
from tests.factories import make_workspace


def _refresh(session: Session, root: Path, workspace_id: int, **options: object) -> dict[str, int]:
    report = refresh_snapshot(
        session, root=root, workspace_id=workspace_id, settle_seconds=0, **options
    )
    session.commit()
    return report.rows_written


def _database_by_month(session: Session, model: type, time_column: str, value: object) -> dict:
    dialect = session.get_bind().dialect.name
    month = month_bucket(getattr(model, time_column), dialect)
    rows = session.execute(
        select(month, func.count(), func.sum(value)).group_by(month).order_by(month)
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def _snapshot_by_month(root: Path, workspace_id: int, table: str, value: str) -> dict:
    frame = read_table(root, workspace_id, table)
    grouped = frame.group_by("month").agg(pl.len(), pl.col(value).sum()).sort("month")
    return {row[0]: (row[1], row[2]) for row in grouped.iter_rows()}


def _assert_mirrors_database(session: Session, root: Path, workspace_id: int) -> None:
    assert _snapshot_by_month(root, workspace_id, "events", "id") == _database_by_month(
        session, Event, "occurred_at", Event.id
    )
    assert _snapshot_by_month(root, workspace_id, "transactions", "amount") == (
        _database_by_month(session, Transaction, "occurred_at", Transaction.amount)
    )
    assert _snapshot_by_month(root, workspace_id, "feedback_items", "id") == (
        _database_by_month(session, FeedbackItem, "created_at", FeedbackItem.id)
    )


def test_refresh_writes_exactly_the_rows_of_the_database(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    spine = seed_spine(session, workspace)
    root = settings.resolved_analytics_dir

    written = _refresh(session, root, workspace.id)

    assert written["events"] == session.scalar(select(func.count(Event.id)))
    assert written["customers"] == len(spine.customer_ids)
    _assert_mirrors_database(session, root, workspace.id)
    months = sorted(p.name for p in (root / str(workspace.id) / "events").iterdir())
    assert months == ["month=2026-01", "month=2026-02", "month=2026-03"]
    customers = read_table(root, workspace.id, "customers")
    assert "display_name" not in customers.columns
    assert sorted(customers["id"]) == spine.customer_ids
    assert read_table(root, workspace.id, "channels")["id"].to_list() == spine.channel_ids
    amounts = read_table(root, workspace.id, "transactions")["amount"]
    assert amounts.dtype == pl.Decimal(14, 2)


def test_second_refresh_appends_only_new_rows(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    _refresh(session, root, workspace.id)
    march = month_dir(root / str(workspace.id) / "events", "2026-03")
    first_parts = part_files(march)

    assert _refresh(session, root, workspace.id)["events"] == 0
    new_rows = [
        {
            "type": "signup",
            "occurred_at": datetime(2026, 3, 30, tzinfo=UTC),
            "received_at": LONG_AGO,
        }
        for _ in range(5)
    ]
    events.add_events(session, workspace_id=workspace.id, rows=new_rows)
    session.commit()

    assert _refresh(session, root, workspace.id)["events"] == 5
    parts = part_files(march)
    assert parts[: len(first_parts)] == first_parts
    assert len(parts) == len(first_parts) + 1
    assert pl.read_parquet(parts[-1].path)["type"].to_list() == ["signup"] * 5
    _assert_mirrors_database(session, root, workspace.id)


def test_a_late_row_lands_in_its_month_as_a_new_part(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    _refresh(session, root, workspace.id)
    late = datetime(2026, 1, 15, 12, tzinfo=UTC)
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[{"type": "late", "occurred_at": late, "received_at": LONG_AGO}],
    )
    session.commit()

    _refresh(session, root, workspace.id)

    january = part_files(month_dir(root / str(workspace.id) / "events", "2026-01"))
    assert len(january) == 2
    newest = pl.read_parquet(january[-1].path)
    assert newest["type"].to_list() == ["late"]
    assert newest["occurred_at"].to_list() == [late]
    assert not (root / str(workspace.id) / "events" / "month=2026-04").exists()
    _assert_mirrors_database(session, root, workspace.id)


def test_rows_of_possibly_unfinished_transactions_wait(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    root = settings.resolved_analytics_dir
    now = datetime.now(UTC)
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {"type": "settled", "occurred_at": now, "received_at": now - timedelta(minutes=5)},
            {"type": "fresh", "occurred_at": now, "received_at": now},
            {"type": "settled-later-id", "occurred_at": now, "received_at": LONG_AGO},
        ],
    )
    session.commit()

    report = refresh_snapshot(session, root=root, workspace_id=workspace.id, settle_seconds=60)
    session.commit()
    # The fresh row holds back everything above it, or a row committed late could be skipped.
    assert report.rows_written["events"] == 1
    assert read_table(root, workspace.id, "events")["type"].to_list() == ["settled"]

    assert _refresh(session, root, workspace.id)["events"] == 2
    assert sorted(read_table(root, workspace.id, "events")["type"]) == [
        "fresh",
        "settled",
        "settled-later-id",
    ]


def test_files_of_a_refresh_that_never_committed_are_replaced(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    refresh_snapshot(session, root=root, workspace_id=workspace.id, settle_seconds=0)
    session.rollback()  # the process died before the watermarks were committed

    _refresh(session, root, workspace.id)

    _assert_mirrors_database(session, root, workspace.id)


def test_rebuild_and_merging_keep_the_same_rows(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot, "MAX_PARTS_PER_MONTH", 2)
    workspace = make_workspace(session)
    seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    _refresh(session, root, workspace.id)
    for amount in (Decimal("1.50"), Decimal("2.25"), Decimal("3.00")):
        events.add_transactions(
            session,
            workspace_id=workspace.id,
            rows=[
                {
                    "order_id": f"late-{amount}",
                    "amount": amount,
                    "currency": "SAR",
                    "occurred_at": datetime(2026, 2, 2, tzinfo=UTC),
                    "created_at": LONG_AGO,
                }
            ],
        )
        session.commit()
        _refresh(session, root, workspace.id)

    february = part_files(month_dir(root / str(workspace.id) / "transactions", "2026-02"))
    assert len(february) <= 2
    _assert_mirrors_database(session, root, workspace.id)

    _refresh(session, root, workspace.id, rebuild=True)
    assert len(part_files(month_dir(root / str(workspace.id) / "transactions", "2026-02"))) == 1
    assert not any(
        path.name.startswith(f".{workspace.id}.") and path.is_dir() for path in root.iterdir()
    )
    _assert_mirrors_database(session, root, workspace.id)


def test_a_deleted_snapshot_is_written_again(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    _refresh(session, root, workspace.id)
    for table in ("events", "transactions", "feedback_items"):
        for folder in (root / str(workspace.id) / table).iterdir():
            for part in part_files(folder):
                part.path.unlink()

    _refresh(session, root, workspace.id)

    _assert_mirrors_database(session, root, workspace.id)


def test_each_workspace_gets_only_its_rows(session: Session, settings: Settings) -> None:
    acme, other = make_workspace(session, "acme"), make_workspace(session, "other")
    seed_spine(session, acme, days=10)
    other_spine = seed_spine(session, other, days=20)
    root = settings.resolved_analytics_dir

    _refresh(session, root, other.id)

    assert set(read_table(root, other.id, "customers")["id"]) == set(other_spine.customer_ids)
    other_events = session.scalar(select(func.count()).where(Event.workspace_id == other.id))
    assert read_table(root, other.id, "events").height == other_events
    assert not (root / str(acme.id)).exists()


def test_freshness_and_which_workspaces_are_due(session: Session, settings: Settings) -> None:
    acme, other = make_workspace(session, "acme"), make_workspace(session, "other")
    root = settings.resolved_analytics_dir
    assert snapshot_freshness(session, workspace_id=acme.id) is None
    assert workspaces_due(session, every_minutes=15) == [acme.id, other.id]

    before = datetime.now(UTC)
    _refresh(session, root, acme.id)

    refreshed = snapshot_freshness(session, workspace_id=acme.id)
    assert refreshed is not None and before <= refreshed <= datetime.now(UTC)
    assert workspaces_due(session, every_minutes=15) == [other.id]
    assert workspaces_due(session, every_minutes=0) == [acme.id, other.id]
