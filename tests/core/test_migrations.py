"""Migrations, not create_all: they build exactly the schema the models describe."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.migrations import downgrade_database, is_up_to_date, upgrade_database
from nabd.customers.models import Customer
from nabd.events.models import Event
from nabd.model_registry import metadata
from tests.databases import throwaway_database
from tests.factories import make_workspace

SPINE_TABLES = {
    "workspaces",
    "users",
    "memberships",
    "api_tokens",
    "audit_log",
    "customers",
    "customer_identities",
    "channels",
    "touchpoints",
    "events",
    "transactions",
}
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": True}), metadata
        )
    assert differences == []


def test_the_data_spine_exists_and_every_tenant_row_has_a_workspace(engine: Engine) -> None:
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) >= SPINE_TABLES
    for table in SPINE_TABLES - {"workspaces", "users"}:
        columns = {column["name"]: column for column in inspector.get_columns(table)}
        assert "workspace_id" in columns, table
        assert not columns["workspace_id"]["nullable"], table


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the run's kind (SQLite file or throw-away PostgreSQL database)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    with throwaway_database(database_url, suffix="fresh") as url:
        yield url


def test_upgrade_downgrade_upgrade_on_a_fresh_database(fresh_url: str) -> None:
    fresh = create_db_engine(fresh_url)
    assert not is_up_to_date(fresh)
    upgrade_database(fresh_url)
    assert is_up_to_date(fresh)
    downgrade_database(fresh_url, "base")
    assert set(inspect(fresh).get_table_names()) == {"alembic_version"}
    upgrade_database(fresh_url)
    assert set(inspect(fresh).get_table_names()) >= SPINE_TABLES
    fresh.dispose()


def test_events_keep_their_rows_and_references_across_0022_down_and_up(fresh_url: str) -> None:
    """0022 swaps events' foreign keys for triggers; undone, the keys come back over the
    stored rows, and redone, a deleted customer still takes its events along."""
    upgrade_database(fresh_url)
    fresh = create_db_engine(fresh_url)
    with create_session_factory(fresh)() as session:
        workspace = make_workspace(session)
        customer = Customer(workspace_id=workspace.id, attributes={})
        session.add(customer)
        session.flush()
        session.add(
            Event(workspace_id=workspace.id, customer_id=customer.id, type="call", occurred_at=T0)
        )
        session.commit()
        workspace_id, customer_id = workspace.id, customer.id
    fresh.dispose()
    downgrade_database(fresh_url, "0021")
    assert _tables_events_refer_to(fresh_url) == {
        "workspaces",
        "customers",
        "touchpoints",
        "channels",
    }
    upgrade_database(fresh_url)
    assert _tables_events_refer_to(fresh_url) == set()
    fresh = create_db_engine(fresh_url)
    with fresh.begin() as connection:
        assert connection.scalar(text("SELECT count(*) FROM events")) == 1
        connection.execute(
            text("DELETE FROM customers WHERE workspace_id = :w AND id = :c"),
            {"w": workspace_id, "c": customer_id},
        )
        assert connection.scalar(text("SELECT count(*) FROM events")) == 0
    fresh.dispose()


def _tables_events_refer_to(url: str) -> set[str]:
    """Read on a new engine: a pooled SQLite connection can keep the schema it saw first."""
    engine = create_db_engine(url)
    try:
        return {key["referred_table"] for key in inspect(engine).get_foreign_keys("events")}
    finally:
        engine.dispose()
