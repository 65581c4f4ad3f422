"""Migrations, not create_all: they build exactly the schema the models describe."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from nabd.core.db import create_db_engine
from nabd.core.migrations import downgrade_database, is_up_to_date, upgrade_database
from nabd.model_registry import metadata

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


def test_upgrade_downgrade_upgrade_on_a_fresh_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    fresh = create_db_engine(url)
    assert not is_up_to_date(fresh)
    upgrade_database(url)
    assert is_up_to_date(fresh)
    downgrade_database(url, "base")
    assert set(inspect(fresh).get_table_names()) == {"alembic_version"}
    upgrade_database(url)
    assert set(inspect(fresh).get_table_names()) >= SPINE_TABLES
    fresh.dispose()
