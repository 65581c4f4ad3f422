"""Migration 0023 moves the seen dates into `customer_seen` and back, keeping every row."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from nabd.core.db import create_db_engine
from nabd.core.migrations import downgrade_database, upgrade_database
from tests.databases import migrated_to

FIRST, LAST = "2026-05-01 08:00:00+00:00", "2026-06-01 09:30:00+00:00"


@pytest.fixture
def database_at_0022(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to just before 0023."""
    with migrated_to(database_url, "0022", tmp_path) as url:
        yield url


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    engine = create_db_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _seed(url: str) -> None:
    """Two customers, one seen and one never, with an identity each (which must survive)."""
    with _engine(url) as engine, engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO workspaces (id, slug, name, default_language, time_zone, created_at) "
                "VALUES (7, 'w', 'w', 'ar', 'Asia/Riyadh', :at)"
            ),
            {"at": FIRST},
        )
        connection.execute(
            text(
                "INSERT INTO customers (id, workspace_id, attributes, created_at, first_seen_at, "
                "last_seen_at, sort_name, total_spend, order_count) VALUES "
                "(1, 7, '{}', :first, :first, :last, '', 0, 0), "
                "(2, 7, '{}', :first, NULL, NULL, '', 0, 0)"
            ),
            {"first": FIRST, "last": LAST},
        )
        connection.execute(
            text(
                "INSERT INTO customer_identities (workspace_id, customer_id, kind, value, "
                "created_at) VALUES (7, 1, 'email', 'a@example.com', :at), "
                "(7, 2, 'email', 'b@example.com', :at)"
            ),
            {"at": FIRST},
        )


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with _engine(url) as engine, engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def test_0023_copies_the_dates_and_its_downgrade_puts_them_back(database_at_0022: str) -> None:
    url = database_at_0022
    _seed(url)
    upgrade_database(url, "0023")
    seen = _rows(
        url,
        "SELECT customer_id, workspace_id, first_seen_at IS NOT NULL, last_seen_at IS NOT NULL "
        "FROM customer_seen ORDER BY customer_id",
    )
    assert seen == [(1, 7, True, True), (2, 7, False, False)]
    with _engine(url) as engine:
        columns = {column["name"] for column in inspect(engine).get_columns("customers")}
        indexes = {index["name"] for index in inspect(engine).get_indexes("customers")}
    assert not {"first_seen_at", "last_seen_at"} & columns
    assert "ix_customers_workspace_last_seen" not in indexes
    assert _rows(url, "SELECT count(*) FROM customer_identities") == [(2,)]

    downgrade_database(url, "0022")
    with _engine(url) as engine:
        assert "customer_seen" not in inspect(engine).get_table_names()
    restored = _rows(
        url,
        "SELECT id, first_seen_at IS NOT NULL, last_seen_at IS NOT NULL FROM customers ORDER BY id",
    )
    assert restored == [(1, True, True), (2, False, False)]
    assert _rows(url, "SELECT count(*) FROM customer_identities") == [(2,)]
