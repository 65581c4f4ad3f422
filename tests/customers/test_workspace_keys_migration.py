"""Migration 0024 drops the workspace keys of a customer's seen row, identities and search
terms and the seen row's customer key, keeping every row and every other key; its downgrade
puts the keys back."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from nabd.core.db import create_db_engine
from nabd.core.migrations import downgrade_database, upgrade_database
from tests.databases import migrated_to

TABLES = ("customer_seen", "customer_identities", "customer_search_terms")
AT = "2026-05-01 08:00:00+00:00"


@pytest.fixture
def database_at_0023(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to just before 0024."""
    with migrated_to(database_url, "0023", tmp_path) as url:
        yield url


def _seed(url: str) -> None:
    """One customer with a seen row, an identity and a search term."""
    engine = create_db_engine(url)
    with engine.begin() as connection:
        for sql in (
            "INSERT INTO workspaces (id, slug, name, default_language, time_zone, created_at) "
            "VALUES (7, 'w', 'w', 'ar', 'Asia/Riyadh', :at)",
            "INSERT INTO customers (id, workspace_id, attributes, created_at, sort_name, "
            "total_spend, order_count) VALUES (1, 7, '{}', :at, '', 0, 0)",
            "INSERT INTO customer_seen (customer_id, workspace_id, first_seen_at, last_seen_at) "
            "VALUES (1, 7, :at, :at)",
            "INSERT INTO customer_identities (workspace_id, customer_id, kind, value, created_at) "
            "VALUES (7, 1, 'email', 'a@example.com', :at)",
            "INSERT INTO customer_search_terms (workspace_id, customer_id, term) "
            "VALUES (7, 1, 'a@example.com')",
        ):
            connection.execute(text(sql), {"at": AT})
    engine.dispose()


def _state(url: str) -> dict[str, tuple[int, set[str]]]:
    """Each table's rows, and the tables its foreign keys name."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            return {
                table: (
                    connection.scalar(text(f"SELECT count(*) FROM {table}")),  # noqa: S608
                    {key["referred_table"] for key in inspector.get_foreign_keys(table)},
                )
                for table in TABLES
            }
    finally:
        engine.dispose()


def test_0024_drops_only_its_keys_and_its_downgrade_adds_them(
    database_at_0023: str,
) -> None:
    url = database_at_0023
    _seed(url)
    assert _state(url) == {table: (1, {"customers", "workspaces"}) for table in TABLES}
    upgrade_database(url, "0024")
    assert _state(url) == {
        "customer_seen": (1, set()),
        "customer_identities": (1, {"customers"}),
        "customer_search_terms": (1, {"customers"}),
    }
    downgrade_database(url, "0023")
    assert _state(url) == {table: (1, {"customers", "workspaces"}) for table in TABLES}
