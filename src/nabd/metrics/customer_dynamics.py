"""Churn, retention cohorts, repeat vs new customers and purchase completion from event records.

Inputs are plain iterables of (customer_id, occurred_at) pairs — the caller decides which
events count (purchases, logins, add_to_cart …). Times must be timezone-aware; months are
UTC calendar months. The caller passes the whole history the definition needs (a customer's
first purchase decides whether they are new), not only the rows inside the periods asked for.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

import numpy as np

from nabd.metrics.estimates import Metric, MetricEstimate, share_from_counts
from nabd.metrics.periods import (
    CustomerCodes,
    Period,
    require_positive,
    to_microseconds,
)

_NEVER = np.iinfo(np.int64).min


class Activity(NamedTuple):
    customer_id: Hashable
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class ChurnPeriod:
    period: Period
    active_at_start: int
    churned: int
    rate: MetricEstimate


@dataclass(frozen=True, slots=True)
class RetentionCohort:
    """Customers whose first purchase fell in `cohort_month`, and how many bought again later.

    `retained[k]` counts the cohort's customers with a purchase in the k-th month after the
    cohort month; `retained[0]` is the whole cohort.
    """

    cohort_month: date
    size: int
    retained: tuple[int, ...]

    def rate(self, offset: int) -> MetricEstimate:
        return share_from_counts(
            metric=Metric.RETENTION_RATE, hits=self.retained[offset], total=self.size
        )


@dataclass(frozen=True, slots=True)
class RepeatNewPeriod:
    period: Period
    new_customers: int
    repeat_customers: int
    repeat_share: MetricEstimate


@dataclass(frozen=True, slots=True)
class CompletionPeriod:
    period: Period
    started: int
    completed: int
    rate: MetricEstimate


def churn_by_period(
    activities: Iterable[tuple[Hashable, datetime]],
    periods: Sequence[Period],
    *,
    inactivity_window: timedelta,
    churn_events: Iterable[tuple[Hashable, datetime]] = (),
) -> list[ChurnPeriod]:
    """Share of the customers active at a period's start who are no longer active at its end.

    Active at time t: the last activity before t is less than `inactivity_window` old and no
    explicit churn event came at or after it. Customers who join during a period are not in its
    base. Only ask for periods that have ended, or the open one will show false churn.
    """
    window = require_positive(inactivity_window, what="inactivity_window")
    codes = CustomerCodes()
    activity_customers, activity_times = codes.encode(activities, what="activity")
    churn_customers, churn_times = codes.encode(churn_events, what="churn event")
    boundaries = sorted(
        {to_microseconds(moment, what="period") for p in periods for moment in (p.start, p.end)}
    )
    last_activity = np.full(len(codes), _NEVER, dtype=np.int64)
    last_churn = np.full(len(codes), _NEVER, dtype=np.int64)
    active_at: dict[int, np.ndarray] = {}
    activity_done = churn_done = 0
    # Walk the boundaries in time order, folding in only the records since the previous one.
    for boundary in boundaries:
        activity_until = int(np.searchsorted(activity_times, boundary, side="left"))
        since_previous = slice(activity_done, activity_until)
        np.maximum.at(
            last_activity, activity_customers[since_previous], activity_times[since_previous]
        )
        churn_until = int(np.searchsorted(churn_times, boundary, side="left"))
        since_previous = slice(churn_done, churn_until)
        np.maximum.at(last_churn, churn_customers[since_previous], churn_times[since_previous])
        activity_done, churn_done = activity_until, churn_until
        active_at[boundary] = (last_activity > boundary - window) & (last_churn < last_activity)
    results = []
    for period in periods:
        at_start = active_at[to_microseconds(period.start, what="period")]
        at_end = active_at[to_microseconds(period.end, what="period")]
        base = int(np.count_nonzero(at_start))
        churned = int(np.count_nonzero(at_start & ~at_end))
        results.append(
            ChurnPeriod(
                period=period,
                active_at_start=base,
                churned=churned,
                rate=share_from_counts(metric=Metric.CHURN_RATE, hits=churned, total=base),
            )
        )
    return results


def retention_cohorts(
    purchases: Iterable[tuple[Hashable, datetime]],
    *,
    as_of: datetime,
    max_offset: int | None = None,
) -> list[RetentionCohort]:
    """Cohorts by first-purchase month × months since, over UTC months that ended by `as_of`.

    An unfinished month would look like a drop in retention, so it is left out — both as a
    cohort (still growing) and as a column.
    """
    if max_offset is not None and max_offset < 0:
        raise ValueError(f"max_offset must not be negative, got {max_offset}")
    last_complete_month = _month_index(np.array([to_microseconds(as_of, what="as_of")]))[0] - 1
    codes = CustomerCodes()
    customers, times = codes.encode(purchases, what="purchase")
    if customers.size == 0:
        return []
    months = _month_index(times)
    first_month = months[_first_rows(customers)]
    earliest = int(months.min())
    span = int(months.max()) - earliest + 1
    customer_months = np.unique(customers * span + (months - earliest))
    buying_customers = customer_months // span
    buying_months = customer_months % span + earliest
    cohorts = first_month[buying_customers]
    offsets = buying_months - cohorts
    keep = buying_months <= last_complete_month
    if max_offset is not None:
        keep &= offsets <= max_offset
    cohorts, offsets = cohorts[keep], offsets[keep]
    results = []
    for cohort in np.unique(cohorts):
        in_cohort = cohorts == cohort
        width = int(last_complete_month - cohort) + 1
        if max_offset is not None:
            width = min(width, max_offset + 1)
        retained = np.bincount(offsets[in_cohort], minlength=width)
        results.append(
            RetentionCohort(
                cohort_month=_month_start(int(cohort)),
                size=int(retained[0]),
                retained=tuple(int(count) for count in retained),
            )
        )
    return results


def repeat_vs_new(
    purchases: Iterable[tuple[Hashable, datetime]], periods: Sequence[Period]
) -> list[RepeatNewPeriod]:
    """Per period, buyers whose first purchase ever is in the period (new) or before it (repeat)."""
    codes = CustomerCodes()
    customers, times = codes.encode(purchases, what="purchase")
    first_purchase = times[_first_rows(customers)]
    results = []
    for period in periods:
        buyers = np.unique(customers[_slice_of(times, period)])
        repeat = int(
            np.count_nonzero(first_purchase[buyers] < to_microseconds(period.start, what="period"))
        )
        results.append(
            RepeatNewPeriod(
                period=period,
                new_customers=buyers.size - repeat,
                repeat_customers=repeat,
                repeat_share=share_from_counts(
                    metric=Metric.REPEAT_CUSTOMER_SHARE, hits=repeat, total=buyers.size
                ),
            )
        )
    return results


def purchase_completion(
    starts: Iterable[tuple[Hashable, datetime]],
    purchases: Iterable[tuple[Hashable, datetime]],
    periods: Sequence[Period],
    *,
    completion_window: timedelta,
) -> list[CompletionPeriod]:
    """Share of customers who started buying in a period and purchased within the window.

    A start is an add_to_cart or checkout event (the caller chooses); it is completed by a
    purchase at or after it and at most `completion_window` later, which may fall after the
    period's end. A customer counts once per period, as completed if any start was.
    """
    window = require_positive(completion_window, what="completion_window")
    codes = CustomerCodes()
    start_customers, start_times = codes.encode(starts, what="start")
    purchase_customers, purchase_times = codes.encode(purchases, what="purchase")
    completed = _completed_starts(
        start_customers, start_times, purchase_customers, purchase_times, window
    )
    results = []
    for period in periods:
        in_period = _slice_of(start_times, period)
        starters = np.unique(start_customers[in_period])
        completers = np.unique(start_customers[in_period][completed[in_period]])
        results.append(
            CompletionPeriod(
                period=period,
                started=starters.size,
                completed=completers.size,
                rate=share_from_counts(
                    metric=Metric.PURCHASE_COMPLETION, hits=completers.size, total=starters.size
                ),
            )
        )
    return results


def _completed_starts(
    start_customers: np.ndarray,
    start_times: np.ndarray,
    purchase_customers: np.ndarray,
    purchase_times: np.ndarray,
    window: int,
) -> np.ndarray:
    """For each start, whether the same customer purchased within [start, start + window]."""
    customers = np.concatenate([start_customers, purchase_customers])
    times = np.concatenate([start_times, purchase_times])
    # 0 for a start, 1 for a purchase: at equal times the start sorts first, so a purchase
    # stamped at the same instant as the start still completes it.
    kinds = np.concatenate(
        [np.zeros(start_times.size, np.int8), np.ones(purchase_times.size, np.int8)]
    )
    order = np.lexsort((kinds, times, customers))
    customers, times, kinds = customers[order], times[order], kinds[order]
    purchase_positions = np.flatnonzero(kinds == 1)
    start_positions = np.flatnonzero(kinds == 0)
    completed_sorted = np.zeros(start_positions.size, dtype=bool)
    if purchase_positions.size:
        following = np.searchsorted(purchase_positions, start_positions)
        has_following = following < purchase_positions.size
        next_purchase = purchase_positions[np.minimum(following, purchase_positions.size - 1)]
        completed_sorted = (
            has_following
            & (customers[next_purchase] == customers[start_positions])
            & (times[next_purchase] - times[start_positions] <= window)
        )
    # Back to the caller's start order (by time): the starts are the first block of `order`.
    completed = np.empty(start_times.size, dtype=bool)
    completed[order[start_positions]] = completed_sorted
    return completed


def _first_rows(customers: np.ndarray) -> np.ndarray:
    """Index of each customer's earliest record (records are sorted by time; codes are dense)."""
    _, first_index = np.unique(customers, return_index=True)
    return first_index


def _slice_of(sorted_times: np.ndarray, period: Period) -> slice:
    return slice(
        int(np.searchsorted(sorted_times, to_microseconds(period.start, what="period"))),
        int(np.searchsorted(sorted_times, to_microseconds(period.end, what="period"))),
    )


def _month_index(microseconds: np.ndarray) -> np.ndarray:
    """Months since January 1970 (UTC) for each time."""
    return microseconds.astype("datetime64[us]").astype("datetime64[M]").astype(np.int64)


def _month_start(month_index: int) -> date:
    year, month = divmod(month_index, 12)
    return datetime(1970 + year, month + 1, 1, tzinfo=UTC).date()
