"""Property tests: every count-based estimate equals a direct computation over the raw scores."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from nabd.metrics.estimates import (
    Z_95,
    ces_agree_from_scores,
    ces_mean_from_scores,
    csat_from_scores,
    csat_mean_from_scores,
    nps_from_counts,
    nps_from_scores,
    sentiment_index_from_labels,
)

nps_scores = st.lists(st.integers(0, 10), min_size=1, max_size=300)
csat_scores = st.lists(st.integers(1, 5), min_size=1, max_size=300)
ces_scores = st.lists(st.integers(1, 7), min_size=2, max_size=300)
counts = st.integers(0, 10_000)


def per_answer_net_score(scores, *, plus_min, minus_max):
    """+100 for a promoter, −100 for a detractor, 0 otherwise: NPS is the mean of this."""
    return [100 if s >= plus_min else -100 if s <= minus_max else 0 for s in scores]


@given(nps_scores)
def test_nps_is_the_mean_of_the_per_answer_score(scores):
    direct = np.array(per_answer_net_score(scores, plus_min=9, minus_max=6), dtype=float)
    estimate = nps_from_scores(scores)
    assert estimate.n == len(scores)
    assert estimate.value == pytest.approx(direct.mean(), abs=1e-9)
    # The multinomial variance formula is the population variance of that score over n.
    assert estimate.standard_error == pytest.approx(direct.std() / math.sqrt(len(scores)), abs=1e-9)
    assert estimate.margin_of_error == pytest.approx(Z_95 * estimate.standard_error)


@given(nps_scores)
def test_nps_invariants(scores):
    estimate = nps_from_scores(scores)
    assert -100 <= estimate.value <= 100
    assert estimate.margin_of_error >= 0
    assert -100 <= estimate.interval_low <= estimate.value <= estimate.interval_high <= 100


@given(counts, counts, counts)
def test_adding_a_promoter_never_lowers_nps_and_a_detractor_never_raises_it(
    promoters, passives, detractors
):
    before = nps_from_counts(promoters=promoters, passives=passives, detractors=detractors)
    more_promoters = nps_from_counts(
        promoters=promoters + 1, passives=passives, detractors=detractors
    )
    more_detractors = nps_from_counts(
        promoters=promoters, passives=passives, detractors=detractors + 1
    )
    if before.value is not None:
        assert more_promoters.value >= before.value
        assert more_detractors.value <= before.value


@given(nps_scores)
def test_nps_does_not_depend_on_answer_order(scores):
    assert nps_from_scores(scores) == nps_from_scores(sorted(scores))


@given(csat_scores)
def test_csat_is_the_share_of_fours_and_fives(scores):
    satisfied = np.array([100.0 if s >= 4 else 0.0 for s in scores])
    estimate = csat_from_scores(scores)
    assert estimate.value == pytest.approx(satisfied.mean())
    assert estimate.standard_error == pytest.approx(satisfied.std() / math.sqrt(len(scores)))
    assert 0 <= estimate.interval_low <= estimate.value <= estimate.interval_high <= 100
    assert estimate.margin_of_error == pytest.approx(
        (estimate.interval_high - estimate.interval_low) / 2
    )
    # Wilson's interval agrees with the standard library's implementation in scipy.
    reference = stats.binomtest(int(satisfied.sum() / 100), len(scores)).proportion_ci(
        method="wilson"
    )
    assert estimate.interval_low == pytest.approx(100 * reference.low, abs=1e-6)
    assert estimate.interval_high == pytest.approx(100 * reference.high, abs=1e-6)


@given(ces_scores)
def test_ces_mean_from_sums_matches_a_direct_t_interval(scores):
    values = np.array(scores, dtype=float)
    estimate = ces_mean_from_scores(scores)
    standard_error = values.std(ddof=1) / math.sqrt(values.size)
    assert estimate.value == pytest.approx(values.mean())
    assert estimate.standard_error == pytest.approx(standard_error, abs=1e-9)
    critical = stats.t.ppf(0.975, values.size - 1)
    assert estimate.margin_of_error == pytest.approx(critical * standard_error, abs=1e-9)
    assert 1 <= estimate.interval_low <= estimate.value <= estimate.interval_high <= 7


@given(csat_scores)
def test_csat_mean_is_the_plain_mean(scores):
    assert csat_mean_from_scores(scores).value == pytest.approx(np.mean(scores))


@given(ces_scores)
def test_ces_agree_is_the_share_of_five_to_seven(scores):
    expected = 100 * sum(s >= 5 for s in scores) / len(scores)
    assert ces_agree_from_scores(scores).value == pytest.approx(expected)


@given(st.lists(st.sampled_from(["positive", "neutral", "negative", "mixed"]), min_size=1))
def test_sentiment_index_is_the_mean_of_plus_minus_zero(labels):
    direct = np.array(
        [100.0 if x == "positive" else -100.0 if x == "negative" else 0.0 for x in labels]
    )
    estimate = sentiment_index_from_labels(labels)
    assert estimate.value == pytest.approx(direct.mean(), abs=1e-9)
    assert estimate.standard_error == pytest.approx(direct.std() / math.sqrt(len(labels)), abs=1e-9)
