"""First-contact resolution, first response time and resolution time on hand-made tickets."""

import statistics
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nabd.metrics.estimates import Metric
from nabd.metrics.periods import Period
from nabd.metrics.service_times import (
    Ticket,
    first_contact_resolution,
    first_response_time,
    resolution_time,
)


def at(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2024, 3, day, hour, minute, tzinfo=UTC)


MARCH_1_TO_15 = Period(at(1), at(16))


def test_first_response_and_resolution_times():
    # First replies after 1 h, 2 h, 30 min and 10 h; one ticket still waits for a reply.
    #   hours = 1, 2, 0.5, 10 → median (1 + 2)/2 = 1.5, mean 13.5/4 = 3.375
    # Resolved after 4 h, 26 h and 2 h; two tickets are still open.
    #   hours = 4, 26, 2 → median 4, mean 32/3 = 10.667
    tickets = [
        Ticket("A", at(1, 9), first_response_at=at(1, 10), resolved_at=at(1, 13)),
        Ticket("B", at(2, 9), first_response_at=at(2, 11), resolved_at=at(3, 11)),
        Ticket("C", at(3, 9), first_response_at=at(3, 9, 30), resolved_at=at(3, 11)),
        Ticket("D", at(4, 8), first_response_at=at(4, 18)),
        Ticket("E", at(5, 8)),
    ]
    response = first_response_time(tickets)
    assert (response.measured, response.pending) == (4, 1)
    assert response.median_hours == pytest.approx(1.5)
    assert response.mean_hours.value == pytest.approx(3.375)
    assert response.mean_hours.metric is Metric.FIRST_RESPONSE_HOURS
    assert response.mean_hours.n == 4
    # s = 4.4604 h, SE = 2.2302 h, t(0.975, 3) = 3.1824: 3.375 ± 7.098 h, clipped at 0.
    assert response.mean_hours.margin_of_error == pytest.approx(7.0976, abs=1e-4)
    assert response.mean_hours.interval_low == 0

    resolution = resolution_time(tickets)
    assert (resolution.measured, resolution.pending) == (3, 2)
    assert resolution.median_hours == 4
    assert resolution.mean_hours.value == pytest.approx(32 / 3)
    assert resolution.mean_hours.metric is Metric.RESOLUTION_HOURS


def test_times_without_tickets_are_empty():
    summary = first_response_time([])
    assert (summary.measured, summary.pending, summary.median_hours) == (0, 0, None)
    assert summary.mean_hours.value is None


def test_times_are_measured_across_time_zones():
    # Opened 11:00 UTC, answered 15:00 in Riyadh (UTC+3) = 12:00 UTC: one hour.
    reply = datetime(2024, 3, 1, 15, 0, tzinfo=timezone(timedelta(hours=3)))
    summary = first_response_time([Ticket("A", at(1, 11), first_response_at=reply)])
    assert summary.median_hours == pytest.approx(1)


def test_first_contact_resolution():
    # Period Mar 1–15, repeat-contact window 7 days, as of Apr 1 (every window has passed
    # except the last ticket's).
    #   A: opened Mar 1, resolved Mar 1; A opens again Mar 5 (≤ 7 days later)  → not first time
    #   A: opened Mar 5, resolved Mar 6; nothing from A until Mar 20           → first time
    #   A: opened Mar 20                                                       (outside, unresolved)
    #   B: opened Mar 2, resolved Mar 3, reopened                              → not first time
    #   C: opened Mar 3, resolved Mar 4; C's next ticket Mar 11 12:00 (> 7 d)  → first time
    #   C: opened Mar 11 12:00, resolved Mar 12                                → first time
    #   D: opened Mar 14, resolved Mar 16: resolved after the period           → not counted
    #   E: opened Mar 2, never resolved                                        → not counted
    # 5 resolved in the period, 3 first time → 60 %.
    tickets = [
        Ticket("A", at(1, 9), resolved_at=at(1, 12)),
        Ticket("A", at(5), resolved_at=at(6)),
        Ticket("A", at(20)),
        Ticket("B", at(2), resolved_at=at(3), reopened=True),
        Ticket("C", at(3), resolved_at=at(4)),
        Ticket("C", at(11, 12), resolved_at=at(12)),
        Ticket("D", at(14), resolved_at=at(16)),
        Ticket("E", at(2)),
    ]
    result = first_contact_resolution(
        tickets, period=MARCH_1_TO_15, as_of=datetime(2024, 4, 1, tzinfo=UTC)
    )
    assert (result.resolved, result.resolved_first_time) == (5, 3)
    assert result.rate.value == pytest.approx(60)
    assert result.rate.metric is Metric.FIRST_CONTACT_RESOLUTION


def test_first_contact_resolution_waits_for_the_window_to_pass():
    # As of Mar 10, only tickets resolved by Mar 3 have had their 7 days: A (Mar 1) and B.
    tickets = [
        Ticket("A", at(1, 9), resolved_at=at(1, 12)),
        Ticket("A", at(5), resolved_at=at(6)),
        Ticket("B", at(2), resolved_at=at(3)),
    ]
    result = first_contact_resolution(tickets, period=MARCH_1_TO_15, as_of=at(10))
    assert (result.resolved, result.resolved_first_time) == (2, 1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: first_response_time([Ticket("A", at(2), first_response_at=at(1))]), "before"),
        (lambda: resolution_time([Ticket("A", at(2), resolved_at=at(1))]), "before"),
        (
            lambda: resolution_time([Ticket("A", datetime(2024, 3, 1), resolved_at=at(2))]),
            "timezone-aware",
        ),
        (
            lambda: first_contact_resolution(
                [Ticket("A", at(2), resolved_at=at(1))], period=MARCH_1_TO_15, as_of=at(30)
            ),
            "before",
        ),
    ],
)
def test_bad_tickets_are_rejected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


durations = st.lists(st.integers(0, 60 * 24 * 10), max_size=40)


@given(durations)
def test_duration_summary_matches_the_statistics_module(minutes):
    tickets = [Ticket("A", at(1), resolved_at=at(1) + timedelta(minutes=m)) for m in minutes]
    summary = resolution_time(tickets)
    hours = [m / 60 for m in minutes]
    assert summary.measured == len(hours)
    if hours:
        assert summary.median_hours == pytest.approx(statistics.median(hours))
        assert summary.mean_hours.value == pytest.approx(statistics.fmean(hours))
        assert summary.mean_hours.margin_of_error is None or summary.mean_hours.margin_of_error >= 0
