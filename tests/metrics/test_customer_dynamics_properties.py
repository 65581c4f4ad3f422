"""Property tests: the vectorised customer metrics against a direct, one-customer-at-a-time loop."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from nabd.metrics.customer_dynamics import (
    churn_by_period,
    purchase_completion,
    repeat_vs_new,
    retention_cohorts,
)
from nabd.metrics.periods import calendar_months

ORIGIN = datetime(2023, 11, 1, tzinfo=UTC)
PERIODS = calendar_months(date(2024, 1, 1), date(2024, 4, 1))
AS_OF = datetime(2024, 5, 10, tzinfo=UTC)

# Whole days over about seven months put records before, inside and after the periods, and make
# ties (a record exactly one window after another, or on a period boundary) common.
moments = st.integers(0, 215).map(lambda days: ORIGIN + timedelta(days=days))
records = st.lists(st.tuples(st.integers(0, 4), moments), max_size=80)
inactivity_windows = st.integers(1, 60).map(lambda days: timedelta(days=days))
completion_windows = st.integers(1, 3).map(lambda days: timedelta(days=days))


def by_customer(rows):
    grouped = defaultdict(list)
    for customer, moment in rows:
        grouped[customer].append(moment)
    return grouped


def naively_active(activity_times, churn_times, moment, window):
    before = [t for t in activity_times if t < moment]
    if not before:
        return False
    last = max(before)
    if moment - last >= window:
        return False
    return not any(last <= t < moment for t in churn_times)


@settings(max_examples=150)
@given(records, records, inactivity_windows)
def test_churn_matches_a_direct_count(activities, churn_events, window):
    results = churn_by_period(
        activities, PERIODS, inactivity_window=window, churn_events=churn_events
    )
    acts, churns = by_customer(activities), by_customer(churn_events)
    customers = set(acts) | set(churns)
    for period, result in zip(PERIODS, results, strict=True):
        base = {c for c in customers if naively_active(acts[c], churns[c], period.start, window)}
        churned = {c for c in base if not naively_active(acts[c], churns[c], period.end, window)}
        assert (result.active_at_start, result.churned) == (len(base), len(churned))


def month_number(moment):
    return moment.year * 12 + moment.month - 1


@settings(max_examples=150)
@given(records)
def test_retention_matches_a_direct_count(purchases):
    last_complete = month_number(AS_OF) - 1
    months_bought = {c: {month_number(t) for t in ts} for c, ts in by_customer(purchases).items()}
    expected = {}
    for bought in months_bought.values():
        cohort = min(bought)
        if cohort > last_complete:
            continue
        row = expected.setdefault(cohort, [0] * (last_complete - cohort + 1))
        for offset in range(len(row)):
            row[offset] += (cohort + offset) in bought
    actual = {
        month_number(datetime.combine(c.cohort_month, datetime.min.time())): list(c.retained)
        for c in retention_cohorts(purchases, as_of=AS_OF)
    }
    assert actual == expected


@settings(max_examples=150)
@given(records)
def test_repeat_vs_new_matches_a_direct_count(purchases):
    grouped = by_customer(purchases)
    for period, result in zip(PERIODS, repeat_vs_new(purchases, PERIODS), strict=True):
        buyers = [c for c, ts in grouped.items() if any(period.start <= t < period.end for t in ts)]
        repeat = [c for c in buyers if min(grouped[c]) < period.start]
        assert result.repeat_customers == len(repeat)
        assert result.new_customers == len(buyers) - len(repeat)


@st.composite
def starts_and_purchases(draw):
    """Random starts and purchases, plus purchases 0–4 days after some starts, so that a
    purchase exactly one window after its start turns up often."""
    starts = draw(records)
    purchases = draw(records)
    if starts:
        echoes = draw(st.lists(st.tuples(st.sampled_from(starts), st.integers(0, 4))))
        purchases += [
            (customer, moment + timedelta(days=days)) for (customer, moment), days in echoes
        ]
    return starts, purchases


@settings(max_examples=150)
@given(starts_and_purchases(), completion_windows)
def test_purchase_completion_matches_a_direct_count(timelines, window):
    starts, purchases = timelines
    started, bought = by_customer(starts), by_customer(purchases)
    results = purchase_completion(starts, purchases, PERIODS, completion_window=window)
    for period, result in zip(PERIODS, results, strict=True):
        starters = {
            c: [s for s in ts if period.start <= s < period.end] for c, ts in started.items()
        }
        starters = {c: ts for c, ts in starters.items() if ts}
        completers = [
            c
            for c, ts in starters.items()
            if any(s <= p <= s + window for s in ts for p in bought.get(c, []))
        ]
        assert (result.started, result.completed) == (len(starters), len(completers))
