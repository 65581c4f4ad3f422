"""Churn, retention, repeat vs new and purchase completion on small hand-made timelines."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from nabd.metrics.customer_dynamics import (
    Activity,
    churn_by_period,
    purchase_completion,
    repeat_vs_new,
    retention_cohorts,
)
from nabd.metrics.estimates import Metric
from nabd.metrics.periods import calendar_months


def at(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, second, tzinfo=UTC)


MARCH, APRIL = calendar_months(date(2024, 3, 1), date(2024, 4, 1))


def test_churn_by_period():
    # Inactive after 30 days without a purchase. State at an instant t uses records before t.
    #   A: Feb 20, Mar 10, Apr 5   active Mar 1 (10 d), Apr 1 (22 d), May 1 (26 d)
    #   B: Feb 15                  active Mar 1 (15 d), inactive Apr 1 (46 d)   → churns in March
    #   C: Feb 25, churned Mar 5   active Mar 1, inactive Apr 1 (explicit)      → churns in March
    #   D: Mar 15                  new in March; active Apr 1 (17 d), not May 1 → churns in April
    #   E: Jan 10, Apr 20          inactive Mar 1 (51 d) and Apr 1: in no base
    #   F: Feb 10, churned Feb 12, Mar 20
    #                              inactive Mar 1 (churned), active again Apr 1 (12 d),
    #                              inactive May 1 (42 d)                       → churns in April
    #   G: Feb 1, Apr 1 00:00      active Mar 1 (29 d < 30: 2024 is a leap year), inactive Apr 1
    #                              (the Apr 1 purchase is not *before* Apr 1)  → churns in March
    # March: base A B C G = 4, churned B C G = 3 → 75 %.
    # April: base A D F = 3, churned D F = 2 → 66.7 %.
    activities = [
        Activity("A", at(2, 20)),
        Activity("A", at(3, 10)),
        Activity("A", at(4, 5)),
        Activity("B", at(2, 15)),
        Activity("C", at(2, 25)),
        Activity("D", at(3, 15)),
        Activity("E", at(1, 10)),
        Activity("E", at(4, 20)),
        Activity("F", at(2, 10)),
        Activity("F", at(3, 20)),
        Activity("G", at(2, 1)),
        Activity("G", at(4, 1)),
    ]
    churn_events = [Activity("C", at(3, 5)), Activity("F", at(2, 12))]
    march, april = churn_by_period(
        activities,
        [MARCH, APRIL],
        inactivity_window=timedelta(days=30),
        churn_events=churn_events,
    )
    assert (march.period, march.active_at_start, march.churned) == (MARCH, 4, 3)
    assert march.rate.metric is Metric.CHURN_RATE
    assert march.rate.value == pytest.approx(75)
    assert march.rate.n == 4
    assert (april.active_at_start, april.churned) == (3, 2)
    assert april.rate.value == pytest.approx(200 / 3)


def test_exactly_the_inactivity_window_without_a_purchase_is_inactive():
    # Mar 2 00:00 → Apr 1 00:00 is exactly 30 days: inactive. One second later: still active.
    activities = [("H", at(3, 2)), ("I", at(3, 2, 0, 0, 1))]
    (april,) = churn_by_period(activities, [APRIL], inactivity_window=timedelta(days=30))
    assert april.active_at_start == 1


def test_churn_with_no_customers_has_no_rate():
    (march,) = churn_by_period([], [MARCH], inactivity_window=timedelta(days=30))
    assert march.active_at_start == 0
    assert march.rate.value is None


def test_retention_cohorts():
    # As of Apr 15, March is the last complete month.
    #   A: Jan 5, Jan 20, Feb 3          cohort Jan; buys in offsets 0, 1
    #   B: Jan 31 23:59, Mar 1           cohort Jan; offsets 0, 2
    #   C: Jan 15                        cohort Jan; offset 0
    #   F: Feb 1 01:00 at UTC+3 (= Jan 31 22:00 UTC), Feb 15
    #                                    cohort Jan (months are UTC); offsets 0, 1
    #   D: Feb 10, Apr 2                 cohort Feb; April is unfinished, so only offsets 0, 1
    #   E: Apr 3                         cohort April is unfinished: left out
    # Jan: size 4, offset 1 (Feb) A F = 2, offset 2 (Mar) B = 1  → (4, 2, 1)
    # Feb: size 1, offset 1 (Mar) nobody                          → (1, 0)
    riyadh = timezone(timedelta(hours=3))
    purchases = [
        ("A", at(1, 5)),
        ("A", at(1, 20)),
        ("A", at(2, 3)),
        ("B", at(1, 31, 23, 59)),
        ("B", at(3, 1)),
        ("C", at(1, 15)),
        ("F", datetime(2024, 2, 1, 1, 0, tzinfo=riyadh)),
        ("F", at(2, 15)),
        ("D", at(2, 10)),
        ("D", at(4, 2)),
        ("E", at(4, 3)),
    ]
    january, february = retention_cohorts(purchases, as_of=at(4, 15))
    assert (january.cohort_month, january.size, january.retained) == (
        date(2024, 1, 1),
        4,
        (4, 2, 1),
    )
    assert (february.cohort_month, february.size, february.retained) == (
        date(2024, 2, 1),
        1,
        (1, 0),
    )
    assert january.rate(1).value == pytest.approx(50)
    assert january.rate(1).metric is Metric.RETENTION_RATE
    assert january.rate(2).value == pytest.approx(25)

    january, february = retention_cohorts(purchases, as_of=at(4, 15), max_offset=1)
    assert january.retained == (4, 2)
    assert february.retained == (1, 0)


def test_retention_counts_a_month_only_once_it_has_ended():
    purchases = [("A", at(1, 5)), ("A", at(2, 5))]
    # On Feb 1 00:00 January has just ended; February has not.
    (january,) = retention_cohorts(purchases, as_of=at(2, 1))
    assert january.retained == (1,)
    assert retention_cohorts(purchases, as_of=at(1, 31)) == []


def test_repeat_vs_new():
    #   A: Jan 10, Feb 5        Feb: repeat
    #   B: Feb 3, Feb 20, Mar 2 Feb: new (counted once); Mar: repeat
    #   C: Mar 31 23:59:59      Mar: new
    #   D: Apr 1 00:00          in neither period
    # Feb: 1 new, 1 repeat → 50 %.  Mar: 1 new, 1 repeat.
    february, march = calendar_months(date(2024, 2, 1), date(2024, 3, 1))
    purchases = [
        ("A", at(1, 10)),
        ("A", at(2, 5)),
        ("B", at(2, 3)),
        ("B", at(2, 20)),
        ("B", at(3, 2)),
        ("C", at(3, 31, 23, 59, 59)),
        ("D", at(4, 1)),
    ]
    feb_result, march_result = repeat_vs_new(purchases, [february, march])
    assert (feb_result.new_customers, feb_result.repeat_customers) == (1, 1)
    assert feb_result.repeat_share.value == pytest.approx(50)
    assert feb_result.repeat_share.metric is Metric.REPEAT_CUSTOMER_SHARE
    assert (march_result.new_customers, march_result.repeat_customers) == (1, 1)


def test_purchase_completion():
    # Window 1 day, period March.
    #   A: cart Mar 3 10:00, bought Mar 3 12:00             completed
    #   B: cart Mar 5, never bought                          not completed
    #   C: cart Mar 31 20:00, bought Apr 1 08:00             completed (after the period is fine)
    #   D: cart Mar 10 10:00, bought Mar 11 10:00:01         1 day + 1 s: not completed
    #   E: carts Mar 1 and Mar 20, bought Mar 20 (same instant as the cart)
    #                                                        completed, counted once
    #   F: bought Mar 2, cart Mar 3                          a purchase before the cart: no
    #   G: cart Feb 28 23:00, bought Mar 1                   started in February: not in March
    # March: 6 started (A–F), 3 completed (A, C, E) → 50 %.
    starts = [
        ("A", at(3, 3, 10)),
        ("B", at(3, 5)),
        ("C", at(3, 31, 20)),
        ("D", at(3, 10, 10)),
        ("E", at(3, 1)),
        ("E", at(3, 20)),
        ("F", at(3, 3)),
        ("G", at(2, 28, 23)),
    ]
    purchases = [
        ("A", at(3, 3, 12)),
        ("C", at(4, 1, 8)),
        ("D", at(3, 11, 10, 0, 1)),
        ("E", at(3, 20)),
        ("F", at(3, 2)),
        ("G", at(3, 1)),
    ]
    (march,) = purchase_completion(starts, purchases, [MARCH], completion_window=timedelta(days=1))
    assert (march.started, march.completed) == (6, 3)
    assert march.rate.value == pytest.approx(50)
    assert march.rate.metric is Metric.PURCHASE_COMPLETION


def test_naive_timestamps_are_rejected():
    naive = datetime(2024, 3, 1)  # deliberately naive
    with pytest.raises(ValueError, match="timezone-aware"):
        churn_by_period([("A", naive)], [MARCH], inactivity_window=timedelta(days=30))
    with pytest.raises(ValueError, match="timezone-aware"):
        retention_cohorts([("A", at(1, 1))], as_of=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        repeat_vs_new([("A", "2024-03-01")], [MARCH])


@pytest.mark.parametrize("window", [timedelta(0), timedelta(days=-1), 30])
def test_windows_must_be_positive_timedeltas(window):
    with pytest.raises(ValueError, match="positive timedelta"):
        churn_by_period([], [MARCH], inactivity_window=window)
    with pytest.raises(ValueError, match="positive timedelta"):
        purchase_completion([], [], [MARCH], completion_window=window)
