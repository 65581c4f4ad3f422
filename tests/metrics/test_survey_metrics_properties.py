"""Any mix of answers: each survey metric and group from the rollups equals a direct computation."""

import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from nabd.metrics import estimates
from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.metrics.estimates import MetricEstimate
from nabd.surveys.responses import record_batch
from tests.factories import make_workspace
from tests.metrics.factories import CHANNELS, make_cx_survey
from tests.surveys.factories import question_ids

FIRST_DAY = date(2026, 1, 1)
slugs = itertools.count()
DIRECT = {
    "nps": ("nps", estimates.nps_from_scores),
    "csat": ("csat", estimates.csat_from_scores),
    "csat_mean": ("csat", estimates.csat_mean_from_scores),
    "ces": ("ces", estimates.ces_mean_from_scores),
    "ces_agree": ("ces", estimates.ces_agree_from_scores),
}
SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
answers = st.tuples(
    st.integers(0, 120),  # day offset
    st.sampled_from(["nps", "csat", "ces"]).flatmap(
        lambda kind: st.tuples(st.just(kind), st.integers(*SCALES[kind]))
    ),
    st.none() | st.sampled_from(CHANNELS),
    st.sampled_from(["ar", "en"]),
)


def _close(result_value: float | None, estimate: MetricEstimate) -> bool:
    if estimate.value is None:
        return result_value is None
    return result_value is not None and abs(result_value - estimate.value) < 1e-9


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(answers, max_size=30),
    metric=st.sampled_from(sorted(DIRECT)),
    group_by=st.sampled_from(["month", "channel", "language"]),
    window=st.tuples(st.integers(0, 120), st.integers(0, 120)).map(sorted),
)
def test_survey_metrics_equal_direct_computation(
    session: Session,
    rows: list[tuple[int, tuple[str, int], str | None, str]],
    metric: str,
    group_by: str,
    window: list[int],
) -> None:
    workspace = make_workspace(session, f"props-{next(slugs)}")
    survey = make_cx_survey(session, workspace)
    ids = question_ids(survey)
    items = [
        {
            "submitted_at": datetime.combine(
                FIRST_DAY + timedelta(days=day), datetime.min.time(), UTC
            ).isoformat(),
            "channel": channel,
            "language": language,
            "answers": [{"question_id": ids[kind], "value": score}],
        }
        for day, (kind, score), channel, language in rows
    ]
    record_batch(session, survey=survey, items=items, default_language="ar")
    session.commit()
    start, end = (FIRST_DAY + timedelta(days=offset) for offset in window)
    kind, direct = DIRECT[metric]
    chosen = [
        (FIRST_DAY + timedelta(days=day), score, channel, language)
        for day, (answer_kind, score), channel, language in rows
        if answer_kind == kind and window[0] <= day <= window[1]
    ]
    result = compute_metric(
        session,
        workspace_id=workspace.id,
        metric=metric,
        query=MetricQuery(start=start, end=end, group_by=group_by),
    )
    expected = direct([score for _, score, _, _ in chosen])
    assert result.n == expected.n
    assert _close(result.value, expected)
    groups: dict[str | None, list[int]] = defaultdict(list)
    for day, score, channel, language in chosen:
        key = {"month": f"{day:%Y-%m}", "channel": channel, "language": language}[group_by]
        groups[key].append(score)
    assert {g.key: g.n for g in result.groups} == {k: len(v) for k, v in groups.items()}
    for group in result.groups:
        assert _close(group.value, direct(groups[group.key]))
