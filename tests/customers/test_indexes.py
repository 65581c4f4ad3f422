"""Migration 0019 drops the customers' redundant workspace indexes, and can be resumed."""

from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from nabd.core.db import create_db_engine
from nabd.core.migrations import downgrade_database, upgrade_database
from tests.databases import throwaway_database

TABLES = ("customers", "customer_identities", "customer_search_terms")
INDEXES = {f"ix_{table}_workspace_id" for table in TABLES}


@pytest.fixture
def database_at_0018(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to just before 0019."""
    if not database_url.startswith("postgresql"):
        pytest.skip("DROP/CREATE INDEX CONCURRENTLY is PostgreSQL's")
    with throwaway_database(database_url, suffix="at_0018") as url:
        upgrade_database(url, "0018")
        yield url


def _workspace_indexes(url: str) -> dict[str, tuple[bool, str]]:
    """The single-column workspace indexes of the three tables: validity and definition."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                    " JOIN pg_class c ON c.oid = i.indexrelid"
                    " WHERE c.relname = ANY(:names)"
                ),
                {"names": sorted(INDEXES)},
            )
            return {name: (valid, definition) for name, valid, definition in rows}
    finally:
        engine.dispose()


def _run(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_0019_finishes_a_run_that_stopped_after_dropping_some_indexes(
    database_at_0018: str,
) -> None:
    assert set(_workspace_indexes(database_at_0018)) == INDEXES
    _run(database_at_0018, "DROP INDEX CONCURRENTLY ix_customer_identities_workspace_id")
    upgrade_database(database_at_0018)
    assert _workspace_indexes(database_at_0018) == {}
    downgrade_database(database_at_0018, "0018")
    restored = _workspace_indexes(database_at_0018)
    assert set(restored) == INDEXES
    for name, (valid, definition) in restored.items():
        assert valid, name
        assert definition.endswith("USING btree (workspace_id)"), definition


def test_0019_downgrade_rebuilds_the_invalid_index_a_failed_build_left(
    database_at_0018: str,
) -> None:
    upgrade_database(database_at_0018)
    # What a cancelled `CREATE INDEX CONCURRENTLY` leaves: an index of that name, not valid.
    _run(
        database_at_0018,
        "CREATE INDEX CONCURRENTLY ix_customers_workspace_id ON customers (workspace_id)",
    )
    _run(
        database_at_0018,
        "UPDATE pg_index SET indisvalid = false "
        "WHERE indexrelid = 'ix_customers_workspace_id'::regclass",
    )
    downgrade_database(database_at_0018, "0018")
    restored = _workspace_indexes(database_at_0018)
    assert set(restored) == INDEXES
    assert all(valid for valid, _definition in restored.values())
