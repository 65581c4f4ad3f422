"""The status rule: least-squares trend to the period's end, in the goal's own direction."""

from datetime import date, timedelta

import pytest

from nabd.goals.forecast import (
    MIN_POINTS,
    Bucket,
    GoalStatus,
    Point,
    assess,
    buckets,
    completed_buckets,
    fit_line,
    progress,
)

START, END = date(2026, 7, 1), date(2026, 9, 30)  # Q3: a Wednesday to a Wednesday
NPS_RANGE = (-100.0, 100.0)


def weekly(values: list[float | None], *, n: int = 50) -> list[Point]:
    return [
        Point(bucket, value, 0 if value is None else n)
        for bucket, value in zip(buckets(START, END), values, strict=False)
    ]


def status(
    values: list[float | None], *, baseline: float = 20, target: float = 25, today: date
) -> GoalStatus:
    return assess(
        baseline=baseline,
        target=target,
        start=START,
        end=END,
        today=today,
        points=weekly(values),
        period_value=None,
        value_range=NPS_RANGE,
    ).status


def test_a_quarter_is_cut_into_iso_weeks_clipped_at_its_edges() -> None:
    weeks = buckets(START, END)
    assert weeks[0] == Bucket(date(2026, 7, 1), date(2026, 7, 6))  # Wednesday to Monday
    assert all(b.start.weekday() == 0 for b in weeks[1:])
    assert weeks[-1] == Bucket(date(2026, 9, 28), date(2026, 10, 1))
    assert sum((b.end - b.start).days for b in weeks) == 92


def test_a_year_is_cut_into_calendar_months() -> None:
    months = buckets(date(2026, 1, 15), date(2026, 12, 31))
    assert len(months) == 12
    assert months[0] == Bucket(date(2026, 1, 15), date(2026, 2, 1))
    assert months[-1] == Bucket(date(2026, 12, 1), date(2027, 1, 1))


def test_only_finished_buckets_feed_the_trend() -> None:
    done = completed_buckets(START, END, today=date(2026, 7, 15))
    assert [b.end for b in done] == [date(2026, 7, 6), date(2026, 7, 13)]


def test_least_squares_on_a_worked_example() -> None:
    # (0, 1), (1, 3), (2, 2): slope = 0.5, intercept = 1.5
    line = fit_line([0, 1, 2], [1, 3, 2])
    assert line.slope == pytest.approx(0.5)
    assert line.intercept == pytest.approx(1.5)
    with pytest.raises(ValueError):
        fit_line([3, 3], [1, 2])


def test_progress_from_baseline_to_target() -> None:
    assert progress(baseline=20, target=25, current=22.5) == pytest.approx(0.5)
    assert progress(baseline=8, target=6, current=7) == pytest.approx(0.5)  # churn down
    assert progress(baseline=20, target=25, current=15) == pytest.approx(-1)
    assert progress(baseline=20, target=25, current=None) is None


def test_not_started_before_the_first_day() -> None:
    assert status([], today=START - timedelta(days=1)) is GoalStatus.NOT_STARTED


def test_too_few_weeks_is_not_enough_data_never_a_guess() -> None:
    assert MIN_POINTS == 3
    today = date(2026, 8, 1)
    assert status([20, 30], today=today) is GoalStatus.NOT_ENOUGH_DATA
    assert status([20, None, None, 30], today=today) is GoalStatus.NOT_ENOUGH_DATA


def test_a_rising_trend_that_reaches_the_target_is_on_track() -> None:
    result = assess(
        baseline=20,
        target=25,
        start=START,
        end=END,
        today=date(2026, 8, 1),
        points=weekly([20, 21, 22, 23]),
        period_value=21.5,
        value_range=NPS_RANGE,
    )
    assert result.status is GoalStatus.ON_TRACK
    assert result.forecast is not None
    # Bucket middles at days 2.5, 8.5, 15.5, 22.5 (the first week is Wed–Sun): mean x 12.25,
    # mean y 21.5, slope 33.5 / 224.75; the end of the last day is day 92.
    assert result.forecast.line.slope == pytest.approx(33.5 / 224.75)
    assert result.forecast.projected == pytest.approx(21.5 + 33.5 / 224.75 * (92 - 12.25))


def test_a_flat_trend_short_of_the_target_is_at_risk() -> None:
    assert status([20, 20, 21, 20], today=date(2026, 8, 1)) is GoalStatus.AT_RISK


def test_a_goal_to_lower_churn_counts_downwards() -> None:
    falling = [8.0, 7.6, 7.2, 6.8]
    assert status(falling, baseline=8, target=6, today=date(2026, 8, 1)) is GoalStatus.ON_TRACK
    assert status(falling[::-1], baseline=8, target=6, today=date(2026, 8, 1)) is (
        GoalStatus.AT_RISK
    )


def test_after_the_end_the_whole_period_decides() -> None:
    def final(period_value: float | None) -> GoalStatus:
        return assess(
            baseline=20,
            target=25,
            start=START,
            end=END,
            today=END + timedelta(days=1),
            points=[],
            period_value=period_value,
            value_range=NPS_RANGE,
        ).status

    assert final(25) is GoalStatus.ACHIEVED
    assert final(24.9) is GoalStatus.MISSED
    assert final(None) is GoalStatus.NOT_ENOUGH_DATA


def test_the_forecast_stays_inside_the_metric_range() -> None:
    result = assess(
        baseline=50,
        target=90,
        start=START,
        end=END,
        today=date(2026, 8, 1),
        points=weekly([60, 80, 99, 100]),
        period_value=85,
        value_range=NPS_RANGE,
    )
    assert result.forecast is not None and result.forecast.projected == 100
    assert result.status is GoalStatus.ON_TRACK
