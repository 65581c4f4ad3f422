"""The events' indexes serve the queries that need them, and migration 0018 can be resumed."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from nabd.core.migrations import downgrade_database, upgrade_database
from nabd.events.models import Event
from tests.databases import database_at, index_states, run_autocommit


def test_the_survey_trigger_scan_seeks_new_events_of_its_type_in_id_order(
    engine: Engine,
) -> None:
    # The statement of `nabd.surveys.triggers.scan_trigger`: a workspace's events of one type
    # after the last one scanned, in id order.
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL picks by its statistics")
    scan = (
        select(Event)
        .where(Event.workspace_id == 1, Event.type == "purchase", Event.id > 10)
        .order_by(Event.id)
        .limit(500)
    )
    sql = str(scan.compile(engine, compile_kwargs={"literal_binds": True}))
    with engine.connect() as connection:
        plan = " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
    assert "USING INDEX ix_events_type_id (workspace_id=? AND type=? AND id>?)" in plan
    assert "TEMP B-TREE" not in plan  # read in order, never every event of the type sorted


@pytest.fixture
def database_at_0017(database_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to just before 0018."""
    if not database_url.startswith("postgresql"):
        pytest.skip("CREATE INDEX CONCURRENTLY is PostgreSQL's")
    with database_at(database_url, "0017") as url:
        yield url


def _index_state(url: str) -> dict[str, tuple[bool, str]]:
    return index_states(
        url, "i.indrelid = 'events'::regclass AND c.relname LIKE 'ix_events_type_%'", {}
    )


def test_0018_rebuilds_the_invalid_index_a_failed_concurrent_build_left(
    database_at_0017: str,
) -> None:
    # What a cancelled `CREATE INDEX CONCURRENTLY` leaves: an index of that name, not valid.
    run_autocommit(
        database_at_0017, "CREATE INDEX CONCURRENTLY ix_events_type_id ON events (workspace_id)"
    )
    run_autocommit(
        database_at_0017,
        "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'ix_events_type_id'::regclass",
    )
    upgrade_database(database_at_0017)
    valid, definition = _index_state(database_at_0017)["ix_events_type_id"]
    assert valid
    assert definition.endswith("(workspace_id, type, id)")
    assert "ix_events_type_time" not in _index_state(database_at_0017)


def test_0018_finishes_a_run_that_stopped_after_building_the_new_index(
    database_at_0017: str,
) -> None:
    run_autocommit(
        database_at_0017,
        "CREATE INDEX CONCURRENTLY ix_events_type_id ON events (workspace_id, type, id)",
    )
    upgrade_database(database_at_0017)
    assert set(_index_state(database_at_0017)) == {"ix_events_type_id"}
    downgrade_database(database_at_0017, "0017")
    valid, definition = _index_state(database_at_0017)["ix_events_type_time"]
    assert valid
    assert definition.endswith("(workspace_id, type, occurred_at)")
