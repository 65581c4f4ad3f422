"""The events' indexes serve the queries that need them (migration 0018)."""

import pytest
from sqlalchemy import Engine, select

from nabd.events.models import Event


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
