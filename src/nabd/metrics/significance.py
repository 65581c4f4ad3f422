"""Is the change of a metric between two periods more than sampling noise?

The two periods are treated as independent samples (different respondents), so the variance of
the difference is the sum of the two variances and the test is a two-sided z-test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from scipy import stats

from nabd.metrics.estimates import Metric, MetricEstimate


@dataclass(frozen=True, slots=True)
class Change:
    """current − previous, with the test of "no real change".

    `z` and `p_value` are None when there is nothing to test: a period without data, a single
    answer to a mean, or a non-zero difference between two estimates that both have zero
    variance (the normal approximation says nothing there). `significant` is then False.
    The interval is the (1 − alpha) interval of the difference.
    """

    metric: Metric
    current: float | None
    previous: float | None
    difference: float | None
    standard_error: float | None
    z: float | None
    p_value: float | None
    alpha: float
    significant: bool
    interval_low: float | None
    interval_high: float | None


def compare(current: MetricEstimate, previous: MetricEstimate, *, alpha: float = 0.05) -> Change:
    """Difference current − previous with its standard error √(se₁² + se₂²) and p-value."""
    if current.metric != previous.metric:
        raise ValueError(f"cannot compare {current.metric} with {previous.metric}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    untested = Change(
        metric=current.metric,
        current=current.value,
        previous=previous.value,
        difference=None,
        standard_error=None,
        z=None,
        p_value=None,
        alpha=alpha,
        significant=False,
        interval_low=None,
        interval_high=None,
    )
    if current.value is None or previous.value is None:
        return untested
    difference = current.value - previous.value
    if current.standard_error is None or previous.standard_error is None:
        return replace(untested, difference=difference)
    standard_error = math.hypot(current.standard_error, previous.standard_error)
    if standard_error == 0:
        if difference != 0:
            return replace(untested, difference=difference, standard_error=0.0)
        # Two identical, noiseless estimates: no change, and nothing suggests one.
        z, p_value = 0.0, 1.0
    else:
        z = difference / standard_error
        p_value = float(2 * stats.norm.sf(abs(z)))
    critical_value = float(stats.norm.ppf(1 - alpha / 2))
    return Change(
        metric=current.metric,
        current=current.value,
        previous=previous.value,
        difference=difference,
        standard_error=standard_error,
        z=z,
        p_value=p_value,
        alpha=alpha,
        significant=p_value < alpha,
        interval_low=difference - critical_value * standard_error,
        interval_high=difference + critical_value * standard_error,
    )
