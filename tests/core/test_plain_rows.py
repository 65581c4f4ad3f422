"""Moments stored as text on SQLite: the batch formatter writes what the ORM's type writes;
keyed lookups and inserts of few or many rows answer alike on both databases."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.plain_rows import (
    BIGINT,
    FEW_ROWS,
    SQLITE_ROWS_A_STATEMENT,
    TEXT,
    insert_ignoring_conflicts,
    insert_new_rows,
    is_sqlite,
    rollback_to_savepoint,
    select_in,
    select_unique,
    sqlite_moment,
    sqlite_moments,
)
from nabd.customers.models import CustomerSearchTerm
from nabd.events.places import index_places_at_savepoint
from tests.customers.factories import make_customer
from tests.factories import make_workspace

zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=3)), timezone(-timedelta(hours=5, minutes=30))]
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
)


@given(st.lists(moments, max_size=20))
def test_moments_formatted_a_batch_at_a_time_equal_one_by_one(values: list[datetime]) -> None:
    assert sqlite_moments(values) == [sqlite_moment(value) for value in values]


def test_the_text_is_naive_utc_with_microseconds() -> None:
    riyadh = datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=3)))
    assert sqlite_moments([riyadh]) == ["2026-05-01 07:00:00.000000"]


def test_select_unique_answers_as_select_in(session: Session) -> None:
    """Each stored value once, however often it is asked for; unknown values give nothing;
    the condition before `{IN}` still applies (the other workspace's identity is not found)."""
    workspace, other = make_workspace(session), make_workspace(session, "other")
    ours = make_customer(session, workspace, "Ours", email="a@example.com", external_id="A")
    make_customer(session, other, "Theirs", email="b@example.com", external_id="B")
    session.flush()
    sql = (
        "SELECT value, customer_id FROM customer_identities "
        "WHERE workspace_id = %s AND kind = %s AND value {IN}"
    )
    values = ["A", "B", "A", "missing"]
    params = (workspace.id, "external_id")
    unique = select_unique(session, sql=sql, values=values, params=params)
    listed = select_in(session, sql=sql, values=values, params=params)
    assert sorted(unique) == sorted(listed) == [("A", ours.id)]
    assert select_unique(session, sql=sql, values=[], params=params) == []


def test_few_and_many_rows_skip_conflicts_and_count_what_they_wrote(session: Session) -> None:
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, None, external_id="x")
    session.flush()
    columns = (("workspace_id", BIGINT), ("customer_id", BIGINT), ("term", TEXT))

    def insert(terms: list[str]) -> int:
        rows = [(workspace.id, customer.id, term) for term in terms]
        return insert_ignoring_conflicts(
            session,
            table="customer_search_terms",
            columns=columns,
            rows=rows,
            conflict_columns=("customer_id", "term"),
        )

    few = [f"few{n}" for n in range(FEW_ROWS)]
    many = [f"many{n}" for n in range(FEW_ROWS + 1)]
    assert insert(few) == FEW_ROWS and insert([*few[:2], "one more"]) == 1
    assert insert(many) == FEW_ROWS + 1 and insert([*many[:2], *few[:1], *["last"] * 20]) == 1
    stored = session.scalars(
        select(CustomerSearchTerm.term).where(CustomerSearchTerm.customer_id == customer.id)
    )
    assert set(stored) == {"x", *few, "one more", *many, "last"}


def test_runs_of_rows_and_the_rows_left_over_skip_conflicts(
    session: Session,
) -> None:
    """Rows past a whole run of a statement (SQLite: `SQLITE_ROWS_A_STATEMENT` a statement,
    the rest one each), repeating a stored key and each other's within one run and across
    runs: each key written once and counted once."""
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, None, external_id="x")
    session.flush()
    run = SQLITE_ROWS_A_STATEMENT
    terms = [f"t{n:03d}" for n in range(2 * run + 5)]
    given = [*terms[:3], "x", terms[1], *terms[3:], terms[run + 2], terms[-1]]
    written = insert_ignoring_conflicts(
        session,
        table="customer_search_terms",
        columns=(("workspace_id", BIGINT), ("customer_id", BIGINT), ("term", TEXT)),
        rows=[(workspace.id, customer.id, term) for term in given],
        conflict_columns=("customer_id", "term"),
    )
    assert written == len(terms)
    stored = session.scalars(
        select(CustomerSearchTerm.term).where(CustomerSearchTerm.customer_id == customer.id)
    )
    assert sorted(stored) == [*terms, "x"]


def test_new_rows_that_meet_a_stored_key_are_stored_as_conflicts_are_skipped(
    session: Session,
) -> None:
    """`insert_new_rows` of many rows one of which another writer stored meanwhile: the rows
    are written as `insert_ignoring_conflicts` writes them, in the same transaction."""
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, None, external_id="x")
    session.flush()
    columns = (("workspace_id", BIGINT), ("customer_id", BIGINT), ("term", TEXT))

    def insert(terms: list[str]) -> int:
        return insert_new_rows(
            session,
            table="customer_search_terms",
            columns=columns,
            rows=[(workspace.id, customer.id, term) for term in terms],
            conflict_columns=("customer_id", "term"),
        )

    first = [f"first{n}" for n in range(FEW_ROWS + 1)]
    then = [f"then{n}" for n in range(FEW_ROWS)]
    assert insert(first) == FEW_ROWS + 1
    assert insert([*then, first[3]]) == FEW_ROWS  # the stored one is skipped
    stored = session.scalars(
        select(CustomerSearchTerm.term).where(CustomerSearchTerm.customer_id == customer.id)
    )
    assert set(stored) == {"x", *first, *then}


def test_a_rollback_to_a_driver_savepoint_keeps_what_was_pending_before_it(
    session: Session,
) -> None:
    """`index_places_at_savepoint` flushes first, as `begin_nested` does, and
    `rollback_to_savepoint` expires
    the session: a change made before the savepoint survives, one made after is undone in
    the database and in the objects alike."""
    if is_sqlite(session):
        pytest.skip("savepoints through the driver serve PostgreSQL's request path")
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, "Before", external_id="x")
    session.flush()
    customer.display_name = "Pending"  # not flushed yet
    index_places_at_savepoint(
        session,
        workspace_id=workspace.id,
        channel_keys=(),
        touchpoint_keys=(),
        before="SELECT 1",
        savepoint="nabd_test",
    )
    customer.display_name = "Inside"
    session.flush()
    rollback_to_savepoint(session, "nabd_test")
    assert customer.display_name == "Pending"
