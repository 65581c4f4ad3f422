"""Support-ticket metrics: first-contact resolution, first response time and resolution time.

Times are wall-clock (calendar) time between timezone-aware timestamps, not business hours.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from nabd.metrics.estimates import Metric, MetricEstimate, mean_from_values, share_from_counts
from nabd.metrics.periods import Period, require_aware, require_positive, to_microseconds


class Ticket(NamedTuple):
    customer_id: Hashable
    opened_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    reopened: bool = False


@dataclass(frozen=True, slots=True)
class DurationSummary:
    """Median and mean of a duration in hours; `pending` tickets have no end time yet."""

    measured: int
    pending: int
    median_hours: float | None
    mean_hours: MetricEstimate


@dataclass(frozen=True, slots=True)
class FirstContactResolution:
    resolved: int
    resolved_first_time: int
    rate: MetricEstimate


def first_response_time(tickets: Iterable[Ticket]) -> DurationSummary:
    """Time from opening to the first reply by the company, over the tickets that have one."""
    return _duration_summary(
        tickets, end_field="first_response_at", metric=Metric.FIRST_RESPONSE_HOURS
    )


def resolution_time(tickets: Iterable[Ticket]) -> DurationSummary:
    """Time from opening to (final) resolution, over the tickets that are resolved."""
    return _duration_summary(tickets, end_field="resolved_at", metric=Metric.RESOLUTION_HOURS)


def first_contact_resolution(
    tickets: Sequence[Ticket],
    *,
    period: Period,
    as_of: datetime,
    repeat_contact_window: timedelta = timedelta(days=7),
) -> FirstContactResolution:
    """Share of tickets resolved in `period` that needed no further contact.

    Resolved first time: not reopened, and the same customer opened no other ticket after
    this one opened and up to `repeat_contact_window` after it was resolved. `tickets` must
    hold the customer's later tickets too. A ticket counts only once its window has passed
    by `as_of`, so a recent ticket is never called a success merely because time ran out.
    """
    window = require_positive(repeat_contact_window, what="repeat_contact_window")
    cutoff = to_microseconds(as_of, what="as_of") - window
    start = to_microseconds(period.start, what="period")
    end = to_microseconds(period.end, what="period")
    opened_by_customer: dict[Hashable, list[int]] = defaultdict(list)
    candidates = []
    for ticket in tickets:
        opened = to_microseconds(ticket.opened_at, what="ticket opened_at")
        opened_by_customer[ticket.customer_id].append(opened)
        if ticket.resolved_at is None:
            continue
        resolved = to_microseconds(ticket.resolved_at, what="ticket resolved_at")
        if resolved < opened:
            raise ValueError(f"ticket resolved before it was opened: {ticket}")
        if start <= resolved < end and resolved <= cutoff:
            candidates.append((ticket.customer_id, opened, resolved, ticket.reopened))
    for opened_times in opened_by_customer.values():
        opened_times.sort()
    first_time = 0
    for customer_id, opened, resolved, reopened in candidates:
        opened_times = opened_by_customer[customer_id]
        later = bisect.bisect_right(opened_times, resolved + window) - bisect.bisect_right(
            opened_times, opened
        )
        if not reopened and later == 0:
            first_time += 1
    return FirstContactResolution(
        resolved=len(candidates),
        resolved_first_time=first_time,
        rate=share_from_counts(
            metric=Metric.FIRST_CONTACT_RESOLUTION, hits=first_time, total=len(candidates)
        ),
    )


def _duration_summary(
    tickets: Iterable[Ticket], *, end_field: str, metric: Metric
) -> DurationSummary:
    hours = []
    pending = 0
    for ticket in tickets:
        opened = require_aware(ticket.opened_at, what="ticket opened_at")
        ended = getattr(ticket, end_field)
        if ended is None:
            pending += 1
            continue
        elapsed = require_aware(ended, what=f"ticket {end_field}") - opened
        if elapsed < timedelta(0):
            raise ValueError(f"ticket {end_field} is before opened_at: {ticket}")
        hours.append(elapsed / timedelta(hours=1))
    return DurationSummary(
        measured=len(hours),
        pending=pending,
        median_hours=float(np.median(hours)) if hours else None,
        # A duration cannot be negative, so the interval of the mean stops at 0.
        mean_hours=mean_from_values(hours, metric=metric, scale=(0.0, math.inf)),
    )
