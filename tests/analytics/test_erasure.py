"""An erased customer leaves the snapshot as they leave the database, and nothing else changes."""

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from sqlalchemy.orm import Session

from nabd.analytics import tasks as analytics_tasks
from nabd.analytics.erasure import forget_customer
from nabd.analytics.snapshot import refresh_snapshot
from nabd.analytics.tables import SNAPSHOT_TABLES
from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.customers.privacy import erase_customer
from tests.analytics.seed import read_table, seed_spine
from tests.factories import make_workspace


def _everything(root: Path, workspace_id: int) -> dict[str, pl.DataFrame]:
    return {
        t.name: read_table(root, workspace_id, t.name).sort(list(t.order_columns))
        for t in SNAPSHOT_TABLES
    }


def _refresh(session: Session, root: Path, workspace_id: int, **options: object) -> None:
    refresh_snapshot(session, root=root, workspace_id=workspace_id, settle_seconds=0, **options)
    session.commit()


def test_forgetting_a_customer_matches_the_database_after_erasure(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    spine = seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    _refresh(session, root, workspace.id)
    before = _everything(root, workspace.id)
    erased = spine.customer_ids[1]
    erase_customer(session, workspace_id=workspace.id, customer_id=erased, actor=SYSTEM_ACTOR)
    session.commit()

    assert forget_customer(settings, workspace_id=workspace.id, customer_id=erased) > 0

    after = _everything(root, workspace.id)
    for name, frame in after.items():
        column = "id" if name == "customers" else "customer_id"
        if column in frame.columns:
            assert erased not in frame[column].to_list(), name
    # Their words and profile are gone; their events and orders stay, detached and stripped.
    was_theirs = before["events"].filter(pl.col("customer_id") == erased)
    detached = after["events"].filter(pl.col("id").is_in(was_theirs["id"].implode()))
    assert detached.height == was_theirs.height > 0
    assert detached["properties"].unique().to_list() == ["{}"]
    assert before["feedback_items"].height - after["feedback_items"].height == 1
    assert before["customers"].height - after["customers"].height == 1
    # Nobody else's rows changed.
    for name, frame in before.items():
        column = "id" if name == "customers" else "customer_id"
        if column in frame.columns:
            others = pl.col(column).is_null() | (pl.col(column) != erased)
            kept = frame.filter(others)
            if "id" not in frame.columns:  # segment memberships: the erased rows go, no others
                assert_frame_equal(after[name], kept)
                continue
            assert_frame_equal(after[name].filter(pl.col("id").is_in(kept["id"].implode())), kept)
        else:
            assert_frame_equal(after[name], frame)
    # And the result is what a snapshot built afresh from the database holds.
    _refresh(session, root, workspace.id, rebuild=True)
    rebuilt = _everything(root, workspace.id)
    assert after.keys() == rebuilt.keys()
    for name in after:
        assert_frame_equal(after[name], rebuilt[name], check_row_order=False)


def test_a_refresh_applies_erasures_nobody_propagated(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    spine = seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    _refresh(session, root, workspace.id)
    erased = spine.customer_ids[2]
    erase_customer(session, workspace_id=workspace.id, customer_id=erased, actor=SYSTEM_ACTOR)
    session.commit()

    report = refresh_snapshot(session, root=root, workspace_id=workspace.id, settle_seconds=0)
    session.commit()

    assert report.erasures_applied == 1
    feedback = read_table(root, workspace.id, "feedback_items")
    assert erased not in feedback["customer_id"].to_list()
    assert erased not in read_table(root, workspace.id, "events")["customer_id"].to_list()
    again = refresh_snapshot(session, root=root, workspace_id=workspace.id, settle_seconds=0)
    assert again.erasures_applied == 0


def test_an_erasure_is_sent_to_the_snapshot_when_it_commits(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace(session)
    spine = seed_spine(session, workspace)
    root = settings.resolved_analytics_dir
    _refresh(session, root, workspace.id)
    sent: list[tuple[int, int]] = []

    def run(workspace_id: int, customer_id: int) -> None:
        sent.append((workspace_id, customer_id))
        forget_customer(settings, workspace_id=workspace_id, customer_id=customer_id)

    monkeypatch.setattr(analytics_tasks, "has_queue", lambda: True)
    monkeypatch.setattr(analytics_tasks, "forget_customer_in_snapshot", run)
    erased = spine.customer_ids[1]
    erase_customer(session, workspace_id=workspace.id, customer_id=erased, actor=SYSTEM_ACTOR)
    session.rollback()
    assert sent == []
    erase_customer(session, workspace_id=workspace.id, customer_id=erased, actor=SYSTEM_ACTOR)
    session.commit()
    assert sent == [(workspace.id, erased)]
    # No refresh ran: the snapshot has already let the customer go.
    assert erased not in read_table(root, workspace.id, "customers")["id"].to_list()
