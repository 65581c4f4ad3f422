"""Arrays built in PostgreSQL's binary form read back as psycopg's own lists do."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from nabd.core.pg_arrays import int8_array, register_binary_arrays, timestamptz_array
from nabd.core.plain_rows import is_sqlite

zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=3)), timezone(-timedelta(hours=5, minutes=30))]
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
)
ids = st.integers(min_value=-(2**63), max_value=2**63 - 1)


# The session only reads: one for every example.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(ids, max_size=30), st.lists(moments, max_size=30))
def test_binary_arrays_equal_psycopgs_lists(
    session: Session, given_ids: list[int], given_moments: list[datetime]
) -> None:
    if is_sqlite(session):
        pytest.skip("PostgreSQL's arrays")
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        register_binary_arrays(cursor)
        cursor.execute(
            "SELECT %b::bigint[], %b::timestamptz[], "
            "%b::bigint[] IS NOT DISTINCT FROM %b::bigint[], "
            "%b::timestamptz[] IS NOT DISTINCT FROM %b::timestamptz[]",
            (
                int8_array(given_ids),
                timestamptz_array(given_moments),
                int8_array(given_ids),
                given_ids,
                timestamptz_array(given_moments),
                given_moments,
            ),
        )
        read_ids, read_moments, same_ids, same_moments = cursor.fetchone()
    assert read_ids == given_ids
    assert read_moments == given_moments
    assert same_ids and same_moments
