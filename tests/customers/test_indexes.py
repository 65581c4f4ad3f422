"""Migration 0019 drops the customers' redundant workspace indexes, and can be resumed."""

from collections.abc import Iterator

import pytest

from nabd.core.migrations import downgrade_database, upgrade_database
from tests.databases import database_at, index_states, run_autocommit

TABLES = ("customers", "customer_identities", "customer_search_terms")
INDEXES = {f"ix_{table}_workspace_id" for table in TABLES}


@pytest.fixture
def database_at_0018(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to just before 0019."""
    if not database_url.startswith("postgresql"):
        pytest.skip("DROP/CREATE INDEX CONCURRENTLY is PostgreSQL's")
    with database_at(database_url, "0018") as url:
        yield url


def _workspace_indexes(url: str) -> dict[str, tuple[bool, str]]:
    """The single-column workspace indexes of the three tables: validity and definition."""
    return index_states(url, "c.relname = ANY(:names)", {"names": sorted(INDEXES)})


def test_0019_finishes_a_run_that_stopped_after_dropping_some_indexes(
    database_at_0018: str,
) -> None:
    assert set(_workspace_indexes(database_at_0018)) == INDEXES
    run_autocommit(database_at_0018, "DROP INDEX CONCURRENTLY ix_customer_identities_workspace_id")
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
    run_autocommit(
        database_at_0018,
        "CREATE INDEX CONCURRENTLY ix_customers_workspace_id ON customers (workspace_id)",
    )
    run_autocommit(
        database_at_0018,
        "UPDATE pg_index SET indisvalid = false "
        "WHERE indexrelid = 'ix_customers_workspace_id'::regclass",
    )
    downgrade_database(database_at_0018, "0018")
    restored = _workspace_indexes(database_at_0018)
    assert set(restored) == INDEXES
    assert all(valid for valid, _definition in restored.values())
