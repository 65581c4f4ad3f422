"""Significance of a change between two periods, against z and p computed by hand."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nabd.metrics.estimates import (
    MetricEstimate,
    csat_from_counts,
    mean_from_sums,
    mean_from_values,
    nps_from_counts,
)
from nabd.metrics.significance import compare


def test_nps_change_that_is_noise():
    # This period: 90/60/50 of 200 → NPS 20, Var = 33 (see test_estimates).
    # Last period: 80/60/60 of 200 → NPS 10, p = 0.4, d = 0.3,
    #   Var = 10 000·[0.7 − 0.01]/200 = 34.5
    # difference = 10, SE = √(33 + 34.5) = √67.5 = 8.2158, z = 10/8.2158 = 1.2172
    # p = 2·(1 − Φ(1.2172)) = 2·0.11177 = 0.2235 → not significant at 5 %.
    change = compare(
        nps_from_counts(promoters=90, passives=60, detractors=50),
        nps_from_counts(promoters=80, passives=60, detractors=60),
    )
    assert change.difference == pytest.approx(10)
    assert change.standard_error == pytest.approx(math.sqrt(67.5))
    assert change.z == pytest.approx(1.2172, abs=1e-4)
    assert change.p_value == pytest.approx(0.2235, abs=1e-4)
    assert not change.significant
    # 95 % interval of the difference: 10 ± 1.96·8.2158 = [−6.10, 26.10], which holds 0.
    assert change.interval_low == pytest.approx(-6.103, abs=1e-3)
    assert change.interval_high == pytest.approx(26.103, abs=1e-3)


def test_csat_change_that_is_significant():
    # 320/400 = 80 % against 288/400 = 72 %.
    #   se₁² = 0.8·0.2/400·100² = 4, se₂² = 0.72·0.28/400·100² = 5.04
    #   SE = √9.04 = 3.00666, z = 8/3.00666 = 2.6608, p = 2·(1 − Φ(2.6608)) = 0.0078
    change = compare(
        csat_from_counts(satisfied=320, total=400), csat_from_counts(satisfied=288, total=400)
    )
    assert change.difference == pytest.approx(8)
    assert change.standard_error == pytest.approx(math.sqrt(9.04))
    assert change.z == pytest.approx(2.6608, abs=1e-4)
    assert change.p_value == pytest.approx(0.0078, abs=1e-4)
    assert change.significant


def test_a_stricter_alpha_can_turn_significance_off():
    current = csat_from_counts(satisfied=320, total=400)
    previous = csat_from_counts(satisfied=288, total=400)
    assert not compare(current, previous, alpha=0.001).significant


def test_mean_change():
    # Means 4.2 vs 4.0 with standard errors 0.05 and 0.06:
    #   SE = √(0.0025 + 0.0036) = 0.078102, z = 0.2/0.078102 = 2.5607, p = 0.0104
    current = mean_from_sums(count=100, value_sum=420, sum_of_squares=420 * 4.2 + 99 * 0.25)
    previous = mean_from_sums(count=100, value_sum=400, sum_of_squares=1600 + 99 * 0.36)
    assert current.standard_error == pytest.approx(0.05)
    assert previous.standard_error == pytest.approx(0.06)
    change = compare(current, previous)
    assert change.z == pytest.approx(2.5607, abs=1e-4)
    assert change.p_value == pytest.approx(0.0104, abs=1e-4)


def test_a_period_without_data_is_not_testable():
    change = compare(
        nps_from_counts(promoters=0, passives=0, detractors=0),
        nps_from_counts(promoters=5, passives=0, detractors=0),
    )
    assert change.difference is None
    assert change.p_value is None
    assert not change.significant


def test_a_single_answer_gives_a_difference_but_no_test():
    change = compare(mean_from_values([5]), mean_from_values([3, 4]))
    assert change.difference == pytest.approx(1.5)
    assert change.z is None
    assert not change.significant


def test_identical_noiseless_estimates_show_no_change():
    all_happy = csat_from_counts(satisfied=30, total=30)
    change = compare(all_happy, all_happy)
    assert change.difference == 0
    assert change.z == 0
    assert change.p_value == 1
    assert not change.significant


def test_different_noiseless_estimates_are_not_testable():
    change = compare(
        csat_from_counts(satisfied=30, total=30), csat_from_counts(satisfied=0, total=30)
    )
    assert change.difference == 100
    assert change.standard_error == 0
    assert change.z is None
    assert not change.significant


def test_different_metrics_cannot_be_compared():
    with pytest.raises(ValueError, match="cannot compare"):
        compare(
            csat_from_counts(satisfied=3, total=4),
            nps_from_counts(promoters=3, passives=0, detractors=1),
        )


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5])
def test_alpha_must_be_a_probability(alpha):
    estimate = csat_from_counts(satisfied=3, total=4)
    with pytest.raises(ValueError, match="alpha"):
        compare(estimate, estimate, alpha=alpha)


nps_counts = st.tuples(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500))


def as_nps(counts: tuple[int, int, int]) -> MetricEstimate:
    promoters, passives, detractors = counts
    return nps_from_counts(promoters=promoters, passives=passives, detractors=detractors)


@given(nps_counts, nps_counts)
def test_swapping_the_periods_flips_the_sign_and_keeps_the_p_value(first, second):
    forward = compare(as_nps(first), as_nps(second))
    backward = compare(as_nps(second), as_nps(first))
    assert forward.significant == backward.significant
    if forward.difference is not None:
        assert forward.difference == pytest.approx(-backward.difference)
    if forward.p_value is not None:
        assert forward.p_value == pytest.approx(backward.p_value)
        assert 0 <= forward.p_value <= 1
        assert forward.significant == (forward.p_value < 0.05)
