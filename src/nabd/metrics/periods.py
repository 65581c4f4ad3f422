"""Reporting periods and the conversion of timestamped records into numpy columns.

Times become int64 microseconds since the Unix epoch, so the metrics below can sort and search
a million records with numpy instead of comparing datetime objects one by one.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Period:
    """A half-open span [start, end): something at exactly `end` belongs to the next period."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        require_aware(self.start, what="period start")
        require_aware(self.end, what="period end")
        if self.start >= self.end:
            raise ValueError(f"period start {self.start} must be before its end {self.end}")


def calendar_months(first: date, last: date) -> list[Period]:
    """The UTC calendar months from the one holding `first` to the one holding `last`."""
    if isinstance(first, datetime):
        first = require_aware(first, what="first").astimezone(UTC).date()
    if isinstance(last, datetime):
        last = require_aware(last, what="last").astimezone(UTC).date()
    if first > last:
        raise ValueError(f"first ({first}) must not be after last ({last})")
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append(
            Period(
                datetime(year, month, 1, tzinfo=UTC),
                datetime(next_year, next_month, 1, tzinfo=UTC),
            )
        )
        year, month = next_year, next_month
    return months


def require_aware(moment: datetime, *, what: str) -> datetime:
    if not isinstance(moment, datetime):
        raise ValueError(f"{what} must be a timezone-aware datetime, got {moment!r}")
    if moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got the naive {moment.isoformat()}")
    return moment


def to_microseconds(moment: datetime, *, what: str) -> int:
    return (require_aware(moment, what=what) - EPOCH) // _MICROSECOND


def require_positive(window: timedelta, *, what: str) -> int:
    """A window as whole microseconds, refusing zero, negative or non-timedelta values."""
    if not isinstance(window, timedelta) or window <= timedelta(0):
        raise ValueError(f"{what} must be a positive timedelta, got {window!r}")
    return window // _MICROSECOND


class CustomerCodes:
    """Maps customer ids (any hashable) to dense integer codes shared by several record lists."""

    def __init__(self) -> None:
        self._codes: dict[Hashable, int] = {}

    def __len__(self) -> int:
        return len(self._codes)

    def encode(
        self, records: Iterable[tuple[Hashable, datetime]], *, what: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """(customer codes, times in µs), both int64 and sorted by time."""
        codes = self._codes
        customer_codes: list[int] = []
        times: list[int] = []
        for customer_id, occurred_at in records:
            try:
                # Subtracting from an aware epoch fails for naive datetimes and non-datetimes,
                # which checks every row for the price of the conversion itself.
                times.append((occurred_at - EPOCH) // _MICROSECOND)
            except TypeError:
                require_aware(occurred_at, what=f"{what} time")
                raise
            customer_codes.append(codes.setdefault(customer_id, len(codes)))
        customer_array = np.asarray(customer_codes, dtype=np.int64)
        time_array = np.asarray(times, dtype=np.int64)
        order = np.argsort(time_array, kind="stable")
        return customer_array[order], time_array[order]
