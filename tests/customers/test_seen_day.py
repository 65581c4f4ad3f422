"""The customer list and segments read seen dates through the indexed UTC day
(`customer_seen.last_seen_on`, migration 0025), exactly, and a same-day rewrite of the precise
time writes no index entry on PostgreSQL."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event, inspect, text
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine
from nabd.core.migrations import downgrade_database, upgrade_database
from nabd.core.plain_rows import moment_writer, widen_seen_window
from nabd.customers.listing import CustomerFilters, CustomerSort, ListRequest, list_customers
from nabd.customers.models import CustomerSeen
from nabd.segments.definition import parse_definition
from nabd.segments.evaluation import matching_customers
from nabd.workspaces.models import Workspace
from tests.customers.factories import make_customer
from tests.customers.test_listing import listed_names
from tests.databases import migrated_to
from tests.factories import make_workspace

# 23:30 UTC: already the next day in Riyadh, so a day taken in another zone would show.
LATE = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)


def _listed(session: Session, workspace: Workspace, **filters: object) -> list[str | None]:
    return listed_names(session, workspace, CustomerSort.LAST_SEEN, **filters)


def test_the_day_follows_the_precise_time_in_utc(session: Session) -> None:
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, "Late", last_seen_at=LATE)
    assert customer.last_seen_on == date(2026, 3, 1)
    widen_seen_window(
        session,
        workspace_id=workspace.id,
        windows=[
            (
                customer.id,
                moment_writer(session)(LATE),
                moment_writer(session)(LATE + timedelta(hours=1)),
            )
        ],
    )
    session.commit()
    session.expire_all()
    stored = session.get(CustomerSeen, customer.id)
    assert stored is not None
    assert (stored.last_seen_at, stored.last_seen_on) == (
        LATE + timedelta(hours=1),
        date(2026, 3, 2),
    )


def _seen(session: Session, customer_id: int) -> tuple[Any, ...]:
    session.expire_all()
    stored = session.get(CustomerSeen, customer_id)
    assert stored is not None
    return stored.first_seen_at, stored.last_seen_at, stored.last_seen_on


def test_a_batch_widens_each_window_and_day_exactly(session: Session) -> None:
    workspace, other = make_workspace(session, "ours"), make_workspace(session, "theirs")
    same_day = make_customer(session, workspace, "Same day", last_seen_at=LATE - timedelta(hours=2))
    next_day = make_customer(session, workspace, "Next day", last_seen_at=LATE)
    covered = make_customer(session, workspace, "Covered", last_seen_at=LATE)
    earlier = make_customer(session, workspace, "Earlier", last_seen_at=LATE)
    never = make_customer(session, workspace, "Never")
    theirs = make_customer(session, other, "Theirs", last_seen_at=LATE)
    write = moment_writer(session)
    hour = timedelta(hours=1)
    widen_seen_window(
        session,
        workspace_id=workspace.id,
        windows=[
            (same_day.id, write(LATE - hour), write(LATE - hour)),
            (next_day.id, write(LATE + hour), write(LATE + hour)),
            (covered.id, write(LATE), write(LATE)),
            (earlier.id, write(LATE - 2 * hour), write(LATE)),
            (never.id, write(LATE + hour), write(LATE + 2 * hour)),
            (theirs.id, write(LATE - 30 * hour), write(LATE + 30 * hour)),
        ],
    )
    session.commit()
    day = date(2026, 3, 1)
    assert _seen(session, same_day.id) == (LATE - 2 * hour, LATE - hour, day)
    assert _seen(session, next_day.id) == (LATE, LATE + hour, date(2026, 3, 2))
    assert _seen(session, covered.id) == (LATE, LATE, day)
    assert _seen(session, earlier.id) == (LATE - 2 * hour, LATE, day)
    assert _seen(session, never.id) == (LATE + hour, LATE + 2 * hour, date(2026, 3, 2))
    assert _seen(session, theirs.id) == (LATE, LATE, day)


def test_sqlite_widens_within_the_day_without_setting_the_indexed_day(
    engine: Engine, session: Session
) -> None:
    """SQLite rewrites the index entry of every column an UPDATE sets: a batch whose
    customers stay on their day is one statement that leaves `last_seen_on` alone."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's statements; PostgreSQL writes such rows HOT (test below)")
    workspace = make_workspace(session)
    morning = make_customer(session, workspace, "Morning", last_seen_at=LATE - timedelta(hours=9))
    evening = make_customer(session, workspace, "Evening", last_seen_at=LATE)
    write = moment_writer(session)
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        widen_seen_window(
            session,
            workspace_id=workspace.id,
            windows=[
                (morning.id, write(LATE - timedelta(hours=8)), write(LATE - timedelta(hours=8))),
                (evening.id, write(LATE - timedelta(hours=20)), write(LATE)),
            ],
        )
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    session.commit()
    assert len(sent) == 1
    assert "last_seen_on =" not in sent[0].split("WHERE")[0]
    assert _seen(session, morning.id)[1:] == (LATE - timedelta(hours=8), date(2026, 3, 1))
    assert _seen(session, evening.id)[0] == LATE - timedelta(hours=20)


def test_last_seen_sorts_by_day_then_newest_customer_and_filters_exactly(
    session: Session,
) -> None:
    workspace = make_workspace(session)
    make_customer(session, workspace, "Morning", last_seen_at=LATE - timedelta(hours=14))
    make_customer(session, workspace, "Evening", last_seen_at=LATE)
    make_customer(session, workspace, "Yesterday", last_seen_at=LATE - timedelta(days=1))
    make_customer(session, workspace, "Never")
    # The same day: the newest customer first, whatever the hour.
    assert _listed(session, workspace) == ["Evening", "Morning", "Yesterday", "Never"]
    # The filters keep their precision within a day.
    assert _listed(session, workspace, seen_from=LATE - timedelta(hours=1)) == ["Evening"]
    assert _listed(session, workspace, seen_until=LATE - timedelta(hours=1)) == [
        "Morning",
        "Yesterday",
    ]


def test_last_contact_days_are_exact_at_the_boundary_day(session: Session) -> None:
    workspace = make_workspace(session)
    before = make_customer(session, workspace, "Before", last_seen_at=LATE - timedelta(minutes=1))
    after = make_customer(session, workspace, "After", last_seen_at=LATE + timedelta(minutes=1))
    earlier = make_customer(session, workspace, "Earlier", last_seen_at=LATE - timedelta(days=3))
    never = make_customer(session, workspace, "Never")
    now = LATE + timedelta(days=7)  # the boundary: LATE itself, mid-way through its day

    def matching(operator: str) -> set[int]:
        condition = {"field": "last_contact", "operator": operator}
        if operator != "never":
            condition["value"] = 7  # type: ignore[assignment]
        definition = parse_definition({"conditions": [condition]})
        query = matching_customers(
            workspace_id=workspace.id, definition=definition, channel_ids={}, now=now
        )
        return set(session.scalars(query))

    assert matching("within_days") == {after.id}
    assert matching("before_days") == {before.id, earlier.id}
    assert matching("never") == {never.id}


def _listing_statement(session: Session, workspace_id: int, **filters: object) -> tuple[str, Any]:
    """The first statement (and its parameters) that the list sorted by last seen runs."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        list_customers(
            session,
            workspace_id=workspace_id,
            filters=CustomerFilters(**filters),  # type: ignore[arg-type]
            request=ListRequest(sort=CustomerSort.LAST_SEEN),
        )
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent[0]


def _sqlite_plan(session: Session, statement: str, parameters: Any = ()) -> str:
    rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return " ".join(row[-1] for row in rows)


def test_sqlite_reads_the_day_index_for_the_list_and_last_contact(
    engine: Engine, session: Session
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan; PostgreSQL's is checked below")
    workspace = make_workspace(session)
    plan = _sqlite_plan(session, *_listing_statement(session, workspace.id))
    assert "USING INDEX ix_customer_seen_workspace_last_seen_on" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # read in order, never every customer sorted
    filtered = _listing_statement(session, workspace.id, seen_from=LATE)
    plan = _sqlite_plan(session, *filtered)
    assert "ix_customer_seen_workspace_last_seen_on (workspace_id=? AND last_seen_on>?)" in plan
    definition = parse_definition(
        {"conditions": [{"field": "last_contact", "operator": "within_days", "value": 30}]}
    )
    segment = matching_customers(workspace_id=1, definition=definition, channel_ids={}, now=LATE)
    sql = str(segment.compile(engine, compile_kwargs={"literal_binds": True}))
    plan = _sqlite_plan(session, sql)
    # A range of days from the index (the boundary day's rows then compared by their time).
    assert "ix_customer_seen_workspace_last_seen_on (workspace_id=? AND last_seen_on>?)" in plan
    assert "SCAN customer_seen" not in plan, plan


def test_postgres_reads_the_day_index_for_the_list(engine: Engine, session: Session) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's query plan")
    workspace = make_workspace(session)
    connection = session.connection()
    # 20,000 customers seen over 200 days, so the planner's statistics have a choice.
    connection.exec_driver_sql(
        "INSERT INTO customers (id, workspace_id, attributes, created_at, sort_name, "
        "total_spend, order_count) SELECT 1000000 + g, %s, '{}', now(), '', 0, 0 "
        "FROM generate_series(1, 20000) AS g",
        (workspace.id,),
    )
    connection.exec_driver_sql(
        "INSERT INTO customer_seen (customer_id, workspace_id, first_seen_at, last_seen_at, "
        "last_seen_on) SELECT 1000000 + g, %s, t, t, (t AT TIME ZONE 'UTC')::date "
        "FROM (SELECT g, now() - g * interval '15 minutes' AS t "
        "FROM generate_series(1, 20000) AS g) AS s",
        (workspace.id,),
    )
    connection.exec_driver_sql("ANALYZE customers, customer_seen")
    statement, parameters = _listing_statement(session, workspace.id)
    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    plan = "\n".join(row[0] for row in rows)
    assert "Scan Backward using ix_customer_seen_workspace_last_seen_on" in plan, plan
    assert "Sort" not in plan, plan
    session.rollback()


def _seen_updates(session: Session) -> tuple[int, int]:
    """This transaction's row updates of `customer_seen` so far, and how many were HOT."""
    found = (
        session.connection()
        .exec_driver_sql(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'customer_seen'"
        )
        .one()
    )
    return int(found[0]), int(found[1])


def test_postgres_rewrites_within_a_day_are_hot(engine: Engine, session: Session) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("HOT updates are PostgreSQL's")
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, "Busy", last_seen_at=LATE - timedelta(hours=5))
    before = _seen_updates(session)
    for hours in (4, 3, 2):  # three batches later the same day: the precise time moves
        moment = LATE - timedelta(hours=hours)
        widen_seen_window(
            session, workspace_id=workspace.id, windows=[(customer.id, moment, moment)]
        )
    moment = LATE + timedelta(hours=1)  # the next day: the indexed day moves too
    widen_seen_window(session, workspace_id=workspace.id, windows=[(customer.id, moment, moment)])
    updates, hot = _seen_updates(session)
    assert (updates - before[0], hot - before[1]) == (4, 3)
    session.rollback()


@pytest.fixture
def database_at_0024(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to just before 0025."""
    with migrated_to(database_url, "0024", tmp_path) as url:
        yield url


def _storage_options(connection: Connection) -> list[str] | None:
    """PostgreSQL: `customer_seen`'s storage parameters (its fillfactor)."""
    return connection.exec_driver_sql(
        "SELECT reloptions FROM pg_class WHERE relname = 'customer_seen'"
    ).scalar()


def _seen_indexes(engine: Engine) -> set[str]:
    return {str(index["name"]) for index in inspect(engine).get_indexes("customer_seen")}


def test_0025_backfills_the_day_and_its_downgrade_restores_the_index(
    database_at_0024: str,
) -> None:
    url = database_at_0024
    engine = create_db_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO workspaces (id, slug, name, default_language, time_zone, "
                    "created_at) VALUES (7, 'w', 'w', 'ar', 'Asia/Riyadh', :at)"
                ),
                {"at": LATE},
            )
            for customer_id, seen in ((1, LATE), (2, None)):
                connection.execute(
                    text(
                        "INSERT INTO customers (id, workspace_id, attributes, created_at, "
                        "sort_name, total_spend, order_count) "
                        "VALUES (:id, 7, '{}', :at, '', 0, 0)"
                    ),
                    {"id": customer_id, "at": LATE},
                )
                connection.execute(
                    CustomerSeen.__table__.insert().values(  # type: ignore[attr-defined]
                        customer_id=customer_id,
                        workspace_id=7,
                        first_seen_at=seen,
                        last_seen_at=seen,
                    )
                )
        upgrade_database(url, "0025")
        with engine.connect() as connection:
            days = connection.execute(
                text("SELECT customer_id, last_seen_on FROM customer_seen ORDER BY customer_id")
            ).all()
            assert [(row[0], str(row[1]) if row[1] else None) for row in days] == [
                (1, "2026-03-01"),
                (2, None),
            ]
            if engine.dialect.name == "postgresql":
                options = _storage_options(connection)
                assert options == ["fillfactor=50"]
        indexes = _seen_indexes(engine)
        assert "ix_customer_seen_workspace_last_seen_on" in indexes
        assert "ix_customer_seen_workspace_last_seen" not in indexes

        downgrade_database(url, "0024")
        columns = {column["name"] for column in inspect(engine).get_columns("customer_seen")}
        assert "last_seen_on" not in columns
        assert "ix_customer_seen_workspace_last_seen" in _seen_indexes(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM customer_seen")).scalar() == 2
            if engine.dialect.name == "postgresql":
                options = _storage_options(connection)
                assert options is None
    finally:
        engine.dispose()
