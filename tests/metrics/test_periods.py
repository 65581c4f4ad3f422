"""Reporting periods and the UTC checks every timestamped metric relies on."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from nabd.metrics.periods import CustomerCodes, Period, calendar_months


def test_calendar_months_cross_the_year_end():
    months = calendar_months(date(2023, 11, 20), date(2024, 2, 1))
    assert [(p.start.date(), p.end.date()) for p in months] == [
        (date(2023, 11, 1), date(2023, 12, 1)),
        (date(2023, 12, 1), date(2024, 1, 1)),
        (date(2024, 1, 1), date(2024, 2, 1)),
        (date(2024, 2, 1), date(2024, 3, 1)),
    ]
    assert all(p.start.tzinfo is UTC for p in months)


def test_calendar_months_take_aware_datetimes_in_utc():
    # 00:30 on Mar 1 in Riyadh is still February in UTC.
    riyadh_midnight = datetime(2024, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=3)))
    (february,) = calendar_months(riyadh_midnight, riyadh_midnight)
    assert february.start == datetime(2024, 2, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Period(datetime(2024, 1, 1), datetime(2024, 2, 1, tzinfo=UTC)), "timezone-aware"),
        (
            lambda: Period(datetime(2024, 2, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)),
            "before its end",
        ),
        (lambda: calendar_months(date(2024, 2, 1), date(2024, 1, 1)), "must not be after"),
        (lambda: calendar_months(datetime(2024, 2, 1), date(2024, 3, 1)), "timezone-aware"),
    ],
)
def test_bad_periods_are_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_customer_codes_are_shared_between_record_lists_and_sorted_by_time():
    codes = CustomerCodes()
    late, early = datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    customers, times = codes.encode([("x", late), ("y", early)], what="purchase")
    assert customers.tolist() == [1, 0]
    assert times.tolist() == sorted(times.tolist())
    customers, _ = codes.encode([("y", late)], what="start")
    assert customers.tolist() == [1]
    assert len(codes) == 2
