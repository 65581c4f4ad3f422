"""Properties of the least-squares fit and of the status rule, over generated data."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from nabd.goals.forecast import GoalStatus, Point, assess, buckets, fit_line

START, END = date(2026, 7, 1), date(2026, 9, 30)
finite = st.floats(min_value=-100, max_value=100, allow_nan=False)
slopes = st.floats(min_value=-5, max_value=5, allow_nan=False)


@given(intercept=finite, slope=slopes, count=st.integers(min_value=2, max_value=20))
def test_points_on_a_line_give_back_that_line(intercept: float, slope: float, count: int) -> None:
    xs = [float(x) for x in range(count)]
    line = fit_line(xs, [intercept + slope * x for x in xs])
    assert abs(line.slope - slope) < 1e-6
    assert abs(line.intercept - intercept) < 1e-6


@given(values=st.lists(finite, min_size=3, max_size=13), shift=finite)
def test_shifting_every_value_shifts_only_the_intercept(values: list[float], shift: float) -> None:
    xs = [float(x) for x in range(len(values))]
    plain, shifted = fit_line(xs, values), fit_line(xs, [v + shift for v in values])
    assert abs(plain.slope - shifted.slope) < 1e-6
    assert abs(shifted.intercept - plain.intercept - shift) < 1e-6


@given(
    values=st.lists(finite, min_size=3, max_size=13),
    baseline=finite,
    target=finite,
)
def test_mirroring_the_goal_keeps_its_status(
    values: list[float], baseline: float, target: float
) -> None:
    # Raising NPS to 30 from 20 with these values is the same bet as lowering −NPS to −30.
    weeks = buckets(START, END)

    def run(sign: float) -> tuple[GoalStatus, float | None]:
        result = assess(
            baseline=sign * baseline,
            target=sign * target,
            start=START,
            end=END,
            today=weeks[len(values)].start,
            points=[Point(b, sign * v, 10) for b, v in zip(weeks, values, strict=False)],
            period_value=None,
            value_range=(-100, 100),
        )
        projected = result.forecast.projected if result.forecast else None
        return result.status, projected

    if baseline == target:
        return
    (status, projected), (mirrored, mirrored_projected) = run(1), run(-1)
    assert projected is not None and mirrored_projected is not None
    assert abs(projected + mirrored_projected) < 1e-6
    if abs(projected - target) > 1e-6:  # exactly on the target, rounding may tip either way
        assert status is mirrored
    assert status in {GoalStatus.ON_TRACK, GoalStatus.AT_RISK}
