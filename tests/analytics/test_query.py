"""The query helpers give, on both engines, what SQL over the database gives."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Date, String, cast, func, literal_column, select
from sqlalchemy.orm import Session

from nabd.analytics.query import (
    InvalidAttributeKey,
    Snapshot,
    customer_attribute_slice,
    events_by_channel_month,
    events_by_day,
)
from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.core.sql import month_bucket
from nabd.customers.models import Customer
from nabd.events.models import Event
from tests.analytics.seed import seed_spine
from tests.factories import make_workspace

START = datetime(2026, 1, 20, 6, tzinfo=UTC)
END = datetime(2026, 3, 5, tzinfo=UTC)
ENGINES = ("duckdb", "polars")


@pytest.fixture
def snapshot(session: Session, settings: Settings) -> tuple[Snapshot, int]:
    workspace = make_workspace(session)
    seed_spine(session, workspace)
    other = make_workspace(session, "other")
    seed_spine(session, other, days=30)
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    return Snapshot.of(settings, workspace.id), workspace.id


def _in_range(workspace_id: int) -> Any:
    return (
        (Event.workspace_id == workspace_id)
        & (Event.occurred_at >= START)
        & (Event.occurred_at < END)
    )


def _day(session: Session) -> Any:
    if session.get_bind().dialect.name == "sqlite":
        return func.date(Event.occurred_at)
    return cast(func.timezone("UTC", Event.occurred_at), Date)


@pytest.mark.parametrize("query_engine", ENGINES)
def test_events_by_day_equals_sql(
    session: Session, snapshot: tuple[Snapshot, int], query_engine: str
) -> None:
    folder, workspace_id = snapshot
    day = _day(session)
    rows = session.execute(
        select(day, Event.type, Event.channel_id, func.count())
        .where(_in_range(workspace_id))
        .group_by(day, Event.type, Event.channel_id)
    ).all()
    expected = sorted(
        ((date.fromisoformat(str(d)), t, c, n) for d, t, c, n in rows),
        key=lambda row: (row[0], row[1], row[2] is None, row[2] or 0),
    )

    frame = events_by_day(folder, start=START, end=END, engine=query_engine)  # type: ignore[arg-type]

    assert frame.columns == ["day", "type", "channel_id", "event_count"]
    assert frame.rows() == expected


@pytest.mark.parametrize("query_engine", ENGINES)
def test_events_by_channel_month_equals_sql(
    session: Session, snapshot: tuple[Snapshot, int], query_engine: str
) -> None:
    folder, workspace_id = snapshot
    month = month_bucket(Event.occurred_at, session.get_bind().dialect.name)
    expected = session.execute(
        select(month, Event.channel_id, func.count())
        .where(_in_range(workspace_id))
        .group_by(month, Event.channel_id)
    ).all()

    frame = events_by_channel_month(folder, start=START, end=END, engine=query_engine)  # type: ignore[arg-type]

    assert sorted(frame.rows(), key=str) == sorted((tuple(row) for row in expected), key=str)


@pytest.mark.parametrize("query_engine", ENGINES)
def test_customer_attribute_slice_equals_sql(
    session: Session, snapshot: tuple[Snapshot, int], query_engine: str
) -> None:
    folder, workspace_id = snapshot
    if session.get_bind().dialect.name == "sqlite":
        value = cast(func.json_extract(Customer.attributes, "$.city"), String)
    else:
        value = literal_column("customers.attributes ->> 'city'")
    events = (
        select(Event.customer_id, func.count().label("n"))
        .where(_in_range(workspace_id))
        .group_by(Event.customer_id)
        .subquery()
    )
    expected = session.execute(
        select(value, func.count(), func.coalesce(func.sum(events.c.n), 0))
        .select_from(Customer)
        .outerjoin(events, events.c.customer_id == Customer.id)
        .where(Customer.workspace_id == workspace_id)
        .group_by(value)
    ).all()

    frame = customer_attribute_slice(folder, key="city", start=START, end=END, engine=query_engine)  # type: ignore[arg-type]

    assert frame.columns == ["value", "customer_count", "event_count"]
    assert sorted(frame.rows(), key=str) == sorted((tuple(row) for row in expected), key=str)
    assert frame["customer_count"].sum() == 6
    assert None in frame["value"].to_list()


@pytest.mark.parametrize("query_engine", ENGINES)
def test_an_empty_snapshot_gives_empty_frames(tmp_path: Path, query_engine: str) -> None:
    empty = Snapshot(tmp_path / "1")

    assert events_by_day(empty, start=START, end=END, engine=query_engine).is_empty()  # type: ignore[arg-type]
    frame = customer_attribute_slice(empty, key="city", start=START, end=END, engine=query_engine)  # type: ignore[arg-type]
    assert frame.is_empty()
    assert empty.scan("events").collect().schema["month"] == pl.String


def test_unsafe_names_are_refused(tmp_path: Path) -> None:
    empty = Snapshot(tmp_path / "1")
    with pytest.raises(InvalidAttributeKey):
        customer_attribute_slice(empty, key='x"; drop', start=START, end=END)
    with pytest.raises(ValueError, match="no column"):
        events_by_day(empty, start=START, end=END, group_by=("type; drop",))
