"""Worked examples (computed by hand in the comments) and input validation for the estimates."""

import math

import numpy as np
import pytest

from nabd.metrics.estimates import (
    Z_95,
    Metric,
    NpsCategory,
    ces_agree_from_counts,
    ces_agree_from_scores,
    ces_mean_from_scores,
    ces_mean_from_sums,
    csat_from_counts,
    csat_from_scores,
    csat_mean_from_scores,
    csat_mean_from_sums,
    mean_from_sums,
    mean_from_values,
    nps_category,
    nps_from_counts,
    nps_from_scores,
    response_rate_from_counts,
    sentiment_index_from_counts,
    sentiment_index_from_labels,
)


def test_z_95_is_the_usual_1_96():
    assert abs(Z_95 - 1.959964) < 1e-6


def test_nps_worked_example():
    # 200 answers: 90 promoters, 60 passives, 50 detractors.
    #   p = 90/200 = 0.45, d = 50/200 = 0.25, NPS = 100·(0.45 − 0.25) = 20
    #   Var = 100²·[p + d − (p − d)²]/n = 10 000·[0.70 − 0.04]/200 = 10 000·0.66/200 = 33
    #   SE  = √33 = 5.7446
    #   MoE = 1.959964 · 5.7446 = 11.259  (the "≈ ±11.1" was a slip: it is ±11.3)
    #   interval = 20 ± 11.259 = [8.741, 31.259]
    estimate = nps_from_counts(promoters=90, passives=60, detractors=50)
    assert estimate.metric is Metric.NPS
    assert estimate.value == 20
    assert estimate.n == 200
    assert estimate.standard_error == pytest.approx(math.sqrt(33))
    assert estimate.margin_of_error == pytest.approx(11.259, abs=1e-3)
    assert estimate.interval_low == pytest.approx(8.741, abs=1e-3)
    assert estimate.interval_high == pytest.approx(31.259, abs=1e-3)


def test_nps_from_scores_buckets_at_six_and_nine():
    # 9, 10 promote; 7, 8 are passive; 0 and 6 detract → (2 − 2)/6 = 0.
    estimate = nps_from_scores([0, 6, 7, 8, 9, 10])
    assert estimate.value == 0
    assert estimate.n == 6


def test_all_promoters_gives_100_with_zero_margin():
    # p = 1, d = 0: Var = 100²·[1 − 1]/n = 0. The formula claims certainty; the docs warn.
    estimate = nps_from_counts(promoters=12, passives=0, detractors=0)
    assert estimate.value == 100
    assert estimate.margin_of_error == 0
    assert (estimate.interval_low, estimate.interval_high) == (100, 100)


def test_nps_interval_is_clipped_to_the_scale():
    # 4 promoters, 1 passive: NPS 80, Var = 10 000·[0.8 − 0.64]/5 = 320, MoE = 1.96·17.89 = 35.1
    estimate = nps_from_counts(promoters=4, passives=1, detractors=0)
    assert estimate.value == 80
    assert estimate.margin_of_error == pytest.approx(Z_95 * math.sqrt(320))
    assert estimate.interval_high == 100
    assert estimate.interval_low == pytest.approx(80 - Z_95 * math.sqrt(320))


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, NpsCategory.DETRACTOR),
        (6, NpsCategory.DETRACTOR),
        (7, NpsCategory.PASSIVE),
        (8, NpsCategory.PASSIVE),
        (9, NpsCategory.PROMOTER),
        (10, NpsCategory.PROMOTER),
    ],
)
def test_nps_category(score, category):
    assert nps_category(score) is category


def test_csat_worked_example_uses_the_wilson_interval():
    # 120 of 150 answers are 4 or 5: p = 0.8, CSAT = 80 %.
    #   z² = 3.8415, z²/n = 0.025610
    #   centre = (p + z²/2n)/(1 + z²/n) = (0.8 + 0.012805)/1.025610 = 0.792509
    #   half   = z/(1 + z²/n)·√(p(1−p)/n + z²/4n²)
    #          = 1.911022·√(0.00106667 + 0.00004268) = 1.911022·0.0333069 = 0.063650
    #   interval = [72.886 %, 85.616 %], MoE (half-width) = 6.365 points
    #   SE (binomial, used for comparisons) = √(0.8·0.2/150) = 3.266 points
    estimate = csat_from_counts(satisfied=120, total=150)
    assert estimate.metric is Metric.CSAT
    assert estimate.value == pytest.approx(80)
    assert estimate.interval_low == pytest.approx(72.886, abs=1e-3)
    assert estimate.interval_high == pytest.approx(85.616, abs=1e-3)
    assert estimate.margin_of_error == pytest.approx(6.365, abs=1e-3)
    assert estimate.standard_error == pytest.approx(3.266, abs=1e-3)


def test_csat_of_everyone_satisfied_still_has_a_margin():
    # 20 of 20: Wilson gives [z²/… ] lower bound n/(n + z²) = 20/23.8415 = 83.89 %, upper 100 %.
    estimate = csat_from_counts(satisfied=20, total=20)
    assert estimate.value == 100
    assert estimate.interval_high == 100
    assert estimate.interval_low == pytest.approx(100 * 20 / (20 + Z_95**2))
    assert estimate.margin_of_error == pytest.approx((100 - estimate.interval_low) / 2)
    assert estimate.standard_error == 0


def test_csat_is_the_top_two_box_share_not_the_mean():
    scores = [1, 2, 3, 4, 5]
    assert csat_from_scores(scores).value == pytest.approx(40)
    assert csat_mean_from_scores(scores).value == pytest.approx(3)


def test_csat_mean_from_sums():
    # Scores 5, 4, 4, 3: n = 4, Σ = 16, Σ² = 25 + 16 + 16 + 9 = 66
    #   mean = 4, s² = (66 − 16²/4)/3 = 2/3, SE = √(2/3/4) = 0.408248
    #   t(0.975, 3) = 3.182446, MoE = 1.299228, interval [2.700772, 5 (clipped from 5.299)]
    estimate = csat_mean_from_sums(count=4, value_sum=16, sum_of_squares=66)
    assert estimate.metric is Metric.CSAT_MEAN
    assert estimate.value == 4
    assert estimate.standard_error == pytest.approx(0.408248, abs=1e-6)
    assert estimate.margin_of_error == pytest.approx(1.299228, abs=1e-6)
    assert estimate.interval_low == pytest.approx(2.700772, abs=1e-6)
    assert estimate.interval_high == 5


def test_ces_worked_example():
    # Scores 7, 6, 6, 5, 5, 5, 4, 3, 2, 7: n = 10, Σ = 50, Σ² = 274
    #   mean = 5.0, s² = (274 − 50²/10)/9 = 24/9 = 2.6667, SE = √(2.6667/10) = 0.516398
    #   t(0.975, 9) = 2.262157, MoE = 1.168173
    #   agree (5–7): 7, 6, 6, 5, 5, 5, 7 = 7 of 10 = 70 %
    scores = [7, 6, 6, 5, 5, 5, 4, 3, 2, 7]
    mean = ces_mean_from_scores(scores)
    assert mean.metric is Metric.CES_MEAN
    assert mean.value == 5
    assert mean.standard_error == pytest.approx(0.516398, abs=1e-6)
    assert mean.margin_of_error == pytest.approx(1.168173, abs=1e-6)
    assert ces_mean_from_sums(count=10, value_sum=50, sum_of_squares=274) == mean
    agree = ces_agree_from_scores(scores)
    assert agree.metric is Metric.CES_AGREE
    assert agree.value == pytest.approx(70)
    assert agree == ces_agree_from_counts(agreeing=7, total=10)


def test_mean_of_a_single_answer_has_no_margin():
    estimate = mean_from_sums(count=1, value_sum=4, sum_of_squares=16)
    assert estimate.value == 4
    assert estimate.n == 1
    assert estimate.standard_error is None
    assert estimate.margin_of_error is None


def test_mean_of_identical_answers_has_zero_margin():
    estimate = mean_from_values([3, 3, 3])
    assert estimate.value == 3
    assert estimate.margin_of_error == 0


def test_sentiment_index_counts_mixed_in_n_but_on_neither_side():
    # 50 positive, 20 neutral, 20 negative, 10 mixed: (50 − 20)/100 = 30
    #   Var = 10 000·[0.5 + 0.2 − 0.3²]/100 = 61, SE = 7.8102
    estimate = sentiment_index_from_counts(positive=50, neutral=20, negative=20, mixed=10)
    assert estimate.metric is Metric.SENTIMENT_INDEX
    assert estimate.value == 30
    assert estimate.n == 100
    assert estimate.standard_error == pytest.approx(math.sqrt(61))


def test_sentiment_index_from_labels():
    labels = ["positive", "positive", "negative", "mixed", "neutral"]
    assert sentiment_index_from_labels(labels) == sentiment_index_from_counts(
        positive=2, neutral=1, negative=1, mixed=1
    )


def test_response_rate():
    # 45 of 300 invitations answered = 15 %.
    estimate = response_rate_from_counts(answered=45, invited=300)
    assert estimate.metric is Metric.RESPONSE_RATE
    assert estimate.value == pytest.approx(15)
    assert estimate.n == 300


@pytest.mark.parametrize(
    "estimate",
    [
        nps_from_counts(promoters=0, passives=0, detractors=0),
        nps_from_scores([]),
        csat_from_counts(satisfied=0, total=0),
        csat_from_scores(np.array([], dtype=int)),
        ces_mean_from_scores([]),
        mean_from_sums(count=0, value_sum=0, sum_of_squares=0),
        sentiment_index_from_counts(positive=0, neutral=0, negative=0),
        response_rate_from_counts(answered=0, invited=0),
    ],
)
def test_no_answers_gives_no_value(estimate):
    assert estimate.n == 0
    assert estimate.value is None
    assert estimate.standard_error is None
    assert estimate.margin_of_error is None
    assert estimate.interval_low is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: nps_from_counts(promoters=-1, passives=0, detractors=0), "promoters"),
        (lambda: nps_from_counts(promoters=1.5, passives=0, detractors=0), "whole number"),
        (lambda: nps_from_scores([3, 11]), "between 0 and 10, got 11"),
        (lambda: nps_from_scores([3, -1]), "got -1"),
        (lambda: nps_from_scores([9.5]), "whole number"),
        (lambda: nps_from_scores([9, None]), "whole number"),
        (lambda: nps_category(11), "between 0 and 10"),
        (lambda: csat_from_scores([0]), "between 1 and 5"),
        (lambda: csat_from_counts(satisfied=5, total=4), "cannot exceed"),
        (lambda: ces_mean_from_scores([8]), "between 1 and 7"),
        (lambda: ces_mean_from_sums(count=2, value_sum=20, sum_of_squares=200), "outside"),
        (lambda: mean_from_sums(count=2, value_sum=10, sum_of_squares=10), "do not match"),
        (lambda: mean_from_sums(count=0, value_sum=3, sum_of_squares=9), "count is 0"),
        (lambda: mean_from_values([1, float("nan")]), "finite"),
        (lambda: sentiment_index_from_labels(["happy"]), "unknown sentiment label"),
        (lambda: response_rate_from_counts(answered=4, invited=3), "cannot exceed"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_whole_floats_and_numpy_integers_are_accepted_as_scores():
    assert nps_from_scores([9.0, 10.0]).value == 100
    assert nps_from_scores(np.array([9, 3], dtype=np.int8)).value == 0
    assert nps_from_counts(promoters=np.int64(3), passives=0, detractors=0).n == 3
