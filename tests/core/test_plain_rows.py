"""Moments stored as text on SQLite: the batch formatter writes what the ORM's type writes."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from nabd.core.plain_rows import sqlite_moment, sqlite_moments

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
