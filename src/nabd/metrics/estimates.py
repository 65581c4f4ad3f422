"""Survey and share metrics with their sample size and 95 % margin of error.

Everything works from aggregated counts and sums, because that is what the rollup tables store;
the `*_from_scores` helpers bucket raw scores and then call the count-based function, so both
paths share one formula. The definitions are written out in docs/how-we-compute/.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy import stats

CONFIDENCE_LEVEL = 0.95
# Two-sided 95 % quantile of the standard normal distribution.
Z_95 = float(stats.norm.ppf(0.5 + CONFIDENCE_LEVEL / 2))

NPS_SCALE = (0, 10)
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
CSAT_SCALE = (1, 5)
CSAT_SATISFIED_MIN = 4
CES_SCALE = (1, 7)
CES_AGREE_MIN = 5


class Metric(StrEnum):
    """What an estimate measures; `compare` refuses to compare two different metrics."""

    NPS = "nps"
    CSAT = "csat"
    CSAT_MEAN = "csat_mean"
    CES_MEAN = "ces_mean"
    CES_AGREE = "ces_agree"
    SENTIMENT_INDEX = "sentiment_index"
    MEAN = "mean"
    RESPONSE_RATE = "response_rate"
    CHURN_RATE = "churn_rate"
    RETENTION_RATE = "retention_rate"
    REPEAT_CUSTOMER_SHARE = "repeat_customer_share"
    PURCHASE_COMPLETION = "purchase_completion"
    FIRST_CONTACT_RESOLUTION = "first_contact_resolution"
    FIRST_RESPONSE_HOURS = "first_response_hours"
    RESOLUTION_HOURS = "resolution_hours"


class NpsCategory(StrEnum):
    PROMOTER = "promoter"
    PASSIVE = "passive"
    DETRACTOR = "detractor"


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"
    MIXED = "mixed"


@dataclass(frozen=True, slots=True)
class MetricEstimate:
    """A metric value with its sample size and 95 % uncertainty.

    `margin_of_error` is half the width of the 95 % interval. For NPS, the sentiment index and
    means it equals the critical value times `standard_error`; for shares the interval is
    Wilson's, so it is not centred on `value` and the margin is only its half-width.
    `standard_error` is what `significance.compare` uses. Every field but `metric` and `n`
    is None when there is nothing to estimate (n = 0, or n = 1 for the spread of a mean).
    """

    metric: Metric
    value: float | None
    n: int
    standard_error: float | None
    margin_of_error: float | None
    interval_low: float | None
    interval_high: float | None

    @classmethod
    def empty(cls, metric: Metric) -> MetricEstimate:
        return cls(metric, None, 0, None, None, None, None)


def nps_category(score: int) -> NpsCategory:
    """Promoter (9–10), passive (7–8) or detractor (0–6), for rollups and alert rules."""
    score = _require_score(score, scale=NPS_SCALE, name="NPS score")
    if score >= NPS_PROMOTER_MIN:
        return NpsCategory.PROMOTER
    if score <= NPS_DETRACTOR_MAX:
        return NpsCategory.DETRACTOR
    return NpsCategory.PASSIVE


def nps_from_counts(*, promoters: int, passives: int, detractors: int) -> MetricEstimate:
    """NPS = % promoters − % detractors, on −100…100."""
    promoters = _require_count(promoters, name="promoters")
    passives = _require_count(passives, name="passives")
    detractors = _require_count(detractors, name="detractors")
    return _net_share_estimate(
        Metric.NPS, plus=promoters, minus=detractors, n=promoters + passives + detractors
    )


def nps_from_scores(scores: Iterable[int]) -> MetricEstimate:
    values = _scores_array(scores, scale=NPS_SCALE, name="NPS score")
    promoters = int(np.count_nonzero(values >= NPS_PROMOTER_MIN))
    detractors = int(np.count_nonzero(values <= NPS_DETRACTOR_MAX))
    return nps_from_counts(
        promoters=promoters,
        passives=values.size - promoters - detractors,
        detractors=detractors,
    )


def sentiment_index_from_counts(
    *, positive: int, neutral: int, negative: int, mixed: int = 0
) -> MetricEstimate:
    """% positive − % negative, on −100…100.

    A mixed text says something good and something bad; it counts in n but on neither side,
    so a batch of mixed texts pulls the index towards 0 rather than vanishing from it.
    """
    positive = _require_count(positive, name="positive")
    neutral = _require_count(neutral, name="neutral")
    negative = _require_count(negative, name="negative")
    mixed = _require_count(mixed, name="mixed")
    return _net_share_estimate(
        Metric.SENTIMENT_INDEX,
        plus=positive,
        minus=negative,
        n=positive + neutral + negative + mixed,
    )


def sentiment_index_from_labels(labels: Iterable[str]) -> MetricEstimate:
    counts = dict.fromkeys(Sentiment, 0)
    for label in labels:
        try:
            counts[Sentiment(label)] += 1
        except ValueError:
            allowed = ", ".join(Sentiment)
            message = f"unknown sentiment label {label!r}; expected one of {allowed}"
            raise ValueError(message) from None
    return sentiment_index_from_counts(
        positive=counts[Sentiment.POSITIVE],
        neutral=counts[Sentiment.NEUTRAL],
        negative=counts[Sentiment.NEGATIVE],
        mixed=counts[Sentiment.MIXED],
    )


def share_from_counts(*, metric: Metric, hits: int, total: int) -> MetricEstimate:
    """hits / total in %, with a 95 % Wilson score interval.

    Wilson rather than Wald: Wald's interval collapses to ±0 at 0 % and 100 % and covers too
    little at the small n of a single touchpoint or week; Wilson stays inside 0–100 and keeps
    close to its nominal 95 %. The standard error is still the binomial √(p(1 − p)/n), which
    is what a difference between two periods needs.
    """
    hits = _require_count(hits, name="hits")
    total = _require_count(total, name="total")
    if hits > total:
        raise ValueError(f"hits ({hits}) cannot exceed total ({total})")
    if total == 0:
        return MetricEstimate.empty(metric)
    share = hits / total
    z_squared = Z_95**2
    denominator = 1 + z_squared / total
    centre = (share + z_squared / (2 * total)) / denominator
    half_width = (
        Z_95 / denominator * math.sqrt(share * (1 - share) / total + z_squared / (4 * total**2))
    )
    # Mathematically low ≤ share ≤ high; clamping keeps rounding (e.g. 2.8e-15 at 0 of 7)
    # from putting the bound on the wrong side of the estimate.
    low = max(0.0, min(share, centre - half_width))
    high = min(1.0, max(share, centre + half_width))
    return MetricEstimate(
        metric=metric,
        value=100 * share,
        n=total,
        standard_error=100 * math.sqrt(share * (1 - share) / total),
        margin_of_error=100 * (high - low) / 2,
        interval_low=100 * low,
        interval_high=100 * high,
    )


def csat_from_counts(*, satisfied: int, total: int) -> MetricEstimate:
    """CSAT = % of answers that are 4 or 5 on the 1–5 scale (top-2-box), not the mean."""
    return share_from_counts(metric=Metric.CSAT, hits=satisfied, total=total)


def csat_from_scores(scores: Iterable[int]) -> MetricEstimate:
    values = _scores_array(scores, scale=CSAT_SCALE, name="CSAT score")
    return csat_from_counts(
        satisfied=int(np.count_nonzero(values >= CSAT_SATISFIED_MIN)), total=values.size
    )


def ces_agree_from_counts(*, agreeing: int, total: int) -> MetricEstimate:
    """% of CES answers that agree the task was easy (5–7 on the 1–7 scale)."""
    return share_from_counts(metric=Metric.CES_AGREE, hits=agreeing, total=total)


def ces_agree_from_scores(scores: Iterable[int]) -> MetricEstimate:
    values = _scores_array(scores, scale=CES_SCALE, name="CES score")
    return ces_agree_from_counts(
        agreeing=int(np.count_nonzero(values >= CES_AGREE_MIN)), total=values.size
    )


def response_rate_from_counts(*, answered: int, invited: int) -> MetricEstimate:
    """% of invitations that were answered."""
    answered = _require_count(answered, name="answered")
    invited = _require_count(invited, name="invited")
    if answered > invited:
        raise ValueError(f"answered ({answered}) cannot exceed invited ({invited})")
    return share_from_counts(metric=Metric.RESPONSE_RATE, hits=answered, total=invited)


def mean_from_sums(
    *,
    count: int,
    value_sum: float,
    sum_of_squares: float,
    metric: Metric = Metric.MEAN,
    scale: tuple[float, float] | None = None,
) -> MetricEstimate:
    """Mean with a 95 % Student-t interval, from the count, sum and sum of squares.

    t with n − 1 degrees of freedom rather than z: a slice of 5 answers gets an honestly wide
    interval, and for large n the two agree. With `scale`, the sums are checked against it
    and the interval is clipped to it.
    """
    count = _require_count(count, name="count")
    if count == 0:
        if value_sum != 0 or sum_of_squares != 0:
            raise ValueError("sums must be 0 when count is 0")
        return MetricEstimate.empty(metric)
    if not (math.isfinite(value_sum) and math.isfinite(sum_of_squares)):
        raise ValueError("sums must be finite numbers")
    mean = value_sum / count
    if scale is not None:
        lowest, highest = scale
        # Rounding in stored float sums must not turn a valid rollup into an error.
        slack = 1e-9 * max(1.0, abs(mean))
        if not lowest - slack <= mean <= highest + slack:
            raise ValueError(f"mean {mean} of {count} values lies outside the scale {scale}")
    squared_deviations = sum_of_squares - value_sum * mean
    tolerance = 1e-9 * max(1.0, sum_of_squares)
    if squared_deviations < -tolerance:
        raise ValueError("sum_of_squares is smaller than the sum allows; the sums do not match")
    if count == 1:
        return MetricEstimate(metric, mean, 1, None, None, None, None)
    variance = max(0.0, squared_deviations) / (count - 1)
    standard_error = math.sqrt(variance / count)
    critical_value = float(stats.t.ppf(0.5 + CONFIDENCE_LEVEL / 2, df=count - 1))
    margin = critical_value * standard_error
    low, high = mean - margin, mean + margin
    if scale is not None:
        low, high = max(low, scale[0]), min(high, scale[1])
    return MetricEstimate(metric, mean, count, standard_error, margin, low, high)


def mean_from_values(
    values: Iterable[float],
    *,
    metric: Metric = Metric.MEAN,
    scale: tuple[float, float] | None = None,
) -> MetricEstimate:
    array = np.asarray(list(values), dtype=float)
    if not np.all(np.isfinite(array)):
        raise ValueError("values must be finite numbers")
    return mean_from_sums(
        count=array.size,
        value_sum=float(array.sum()),
        sum_of_squares=float(np.square(array).sum()),
        metric=metric,
        scale=scale,
    )


def csat_mean_from_sums(*, count: int, value_sum: float, sum_of_squares: float) -> MetricEstimate:
    """The mean CSAT score on 1–5, shown beside CSAT and labelled as a mean."""
    return mean_from_sums(
        count=count,
        value_sum=value_sum,
        sum_of_squares=sum_of_squares,
        metric=Metric.CSAT_MEAN,
        scale=CSAT_SCALE,
    )


def csat_mean_from_scores(scores: Iterable[int]) -> MetricEstimate:
    values = _scores_array(scores, scale=CSAT_SCALE, name="CSAT score")
    return mean_from_values(values, metric=Metric.CSAT_MEAN, scale=CSAT_SCALE)


def ces_mean_from_sums(*, count: int, value_sum: float, sum_of_squares: float) -> MetricEstimate:
    """The mean CES score on 1–7 (higher = easier)."""
    return mean_from_sums(
        count=count,
        value_sum=value_sum,
        sum_of_squares=sum_of_squares,
        metric=Metric.CES_MEAN,
        scale=CES_SCALE,
    )


def ces_mean_from_scores(scores: Iterable[int]) -> MetricEstimate:
    values = _scores_array(scores, scale=CES_SCALE, name="CES score")
    return mean_from_values(values, metric=Metric.CES_MEAN, scale=CES_SCALE)


def _net_share_estimate(metric: Metric, *, plus: int, minus: int, n: int) -> MetricEstimate:
    """% plus − % minus, whose per-answer score is +100, 0 or −100.

    Var = 100² · [p + m − (p − m)²] / n is the variance of the mean of that three-valued score
    (a multinomial with shares p and m); the interval is the normal one, clipped to ±100.
    """
    if n == 0:
        return MetricEstimate.empty(metric)
    plus_share, minus_share = plus / n, minus / n
    net = plus_share - minus_share
    variance = max(0.0, plus_share + minus_share - net**2) / n
    standard_error = 100 * math.sqrt(variance)
    margin = Z_95 * standard_error
    value = 100 * (plus - minus) / n  # from the counts, so 20/200 gives exactly 10.0
    return MetricEstimate(
        metric=metric,
        value=value,
        n=n,
        standard_error=standard_error,
        margin_of_error=margin,
        interval_low=max(-100.0, value - margin),
        interval_high=min(100.0, value + margin),
    )


def _require_count(count: int, *, name: str) -> int:
    try:
        whole = operator.index(count)
    except TypeError:
        raise ValueError(f"{name} must be a whole number, got {count!r}") from None
    if whole < 0:
        raise ValueError(f"{name} must not be negative, got {whole}")
    return whole


def _require_score(score: int, *, scale: tuple[int, int], name: str) -> int:
    try:
        whole = operator.index(score)
    except TypeError:
        raise ValueError(f"{name} must be a whole number, got {score!r}") from None
    lowest, highest = scale
    if not lowest <= whole <= highest:
        raise ValueError(f"{name} must be between {lowest} and {highest}, got {whole}")
    return whole


def _scores_array(scores: Iterable[int], *, scale: tuple[int, int], name: str) -> np.ndarray:
    """Raw scores as an integer array, or a ValueError naming the first bad one."""
    values = np.asarray(scores if isinstance(scores, np.ndarray) else list(scores))
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    if values.ndim != 1:
        raise ValueError(f"{name}s must be a flat sequence")
    if values.dtype.kind == "f" and np.all(np.isfinite(values) & (values == np.round(values))):
        values = values.astype(np.int64)
    if values.dtype.kind not in "iu":
        bad = next(
            (v for v in values.tolist() if isinstance(v, bool) or not isinstance(v, int)),
            values[0],
        )
        raise ValueError(f"{name} must be a whole number, got {bad!r}")
    lowest, highest = scale
    outside = (values < lowest) | (values > highest)
    if outside.any():
        bad = values[np.argmax(outside)]
        raise ValueError(f"{name} must be between {lowest} and {highest}, got {bad}")
    return values.astype(np.int64)
