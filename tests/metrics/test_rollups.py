"""The rollup table stays exactly equal to a recomputation from the raw answers."""

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.customers.models import CustomerIdentity
from nabd.customers.privacy import erase_customer
from nabd.metrics import rollups
from nabd.metrics.models import MetricRollup
from nabd.surveys import respondent
from nabd.surveys.models import Survey, SurveyAnswer
from nabd.surveys.responses import record_batch
from tests.factories import make_workspace
from tests.metrics.factories import CHANNELS, answer, make_cx_survey
from tests.surveys.factories import make_link, question_ids

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
slugs = itertools.count()

scores = st.fixed_dictionaries(
    {},
    optional={
        "nps": st.integers(0, 10),
        "csat": st.integers(1, 5),
        "ces": st.integers(1, 7),
    },
)
# Late-arriving data: submitted up to two years ago, at any time of day.
moments = st.integers(0, 2 * 365 * 24).map(lambda hours: NOW - timedelta(hours=hours))
respondents = st.none() | st.sampled_from(["a@example.com", "b@example.com"])
insert = st.tuples(
    st.just("insert"),
    moments,
    scores,
    st.none() | st.sampled_from(CHANNELS),
    st.sampled_from(["ar", "en"]),
    respondents,
)
batch = st.tuples(st.just("batch"), st.lists(st.tuples(moments, scores), max_size=4))
page = st.tuples(st.just("page"), st.integers(0, 10), st.integers(0, 10), st.integers(1, 5))
erase = st.tuples(st.just("erase"), st.sampled_from(["a@example.com", "b@example.com"]))
operations = st.lists(st.one_of(insert, batch, page, erase), min_size=1, max_size=8)


def _customer_id(session: Session, workspace_id: int, email: str) -> int | None:
    return session.scalar(
        select(CustomerIdentity.customer_id).where(
            CustomerIdentity.workspace_id == workspace_id,
            CustomerIdentity.kind == "email",
            CustomerIdentity.value == email,
        )
    )


def _apply(session: Session, survey: Survey, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    if kind == "insert":
        _, at, chosen, channel, language, email = operation
        answer(
            session,
            survey,
            at=at,
            scores=chosen,
            channel=channel,
            language=language,
            email=email,
            comment="تعليق",
        )
    elif kind == "batch":
        ids = question_ids(survey)
        items = [
            {
                "submitted_at": at.isoformat(),
                "answers": [{"question_id": ids[k], "value": v} for k, v in chosen.items()],
            }
            for at, chosen in operation[1]
        ]
        record_batch(session, survey=survey, items=items, default_language="en")
    elif kind == "page":
        # A partial response whose NPS answer is changed on a later page.
        _, first, second, csat = operation
        ids = question_ids(survey)
        link = make_link(session, survey)
        response = respondent.save_page(
            session,
            survey=survey,
            link=link,
            response=None,
            values={ids["nps"]: first},
            shown=[ids["nps"]],
            language="ar",
        )
        respondent.save_page(
            session,
            survey=survey,
            link=link,
            response=response,
            values={ids["nps"]: second, ids["csat"]: csat},
            shown=[ids["nps"], ids["csat"]],
            language="en",
        )
    else:
        customer_id = _customer_id(session, survey.workspace_id, operation[1])
        if customer_id is not None:
            erase_customer(
                session,
                workspace_id=survey.workspace_id,
                customer_id=customer_id,
                actor=SYSTEM_ACTOR,
            )
    session.commit()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_rollups_equal_a_recomputation_after_any_writes(
    session: Session, operations: list[tuple[Any, ...]]
) -> None:
    workspace = make_workspace(session, f"rollups-{next(slugs)}")
    survey = make_cx_survey(session, workspace)
    for operation in operations:
        _apply(session, survey, operation)
    stored = rollups.stored_rows(session, workspace_id=workspace.id)
    assert stored == rollups.recomputed_rows(session, workspace_id=workspace.id)
    rollups.rebuild(session, workspace_id=workspace.id, actor=SYSTEM_ACTOR)
    session.commit()
    assert rollups.stored_rows(session, workspace_id=workspace.id) == stored


def test_a_rolled_back_write_leaves_the_rollup_untouched(session: Session) -> None:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    answer(session, survey, at=NOW, scores={"nps": 10})
    session.rollback()
    assert session.scalars(select(MetricRollup)).all() == []


def test_erasure_keeps_the_scores_counting_and_removes_the_words(session: Session) -> None:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    answer(session, survey, at=NOW, scores={"nps": 3}, email="a@example.com", comment="سيئ")
    session.commit()
    before = rollups.stored_rows(session, workspace_id=workspace.id)
    customer_id = _customer_id(session, workspace.id, "a@example.com")
    assert customer_id is not None
    erase_customer(session, workspace_id=workspace.id, customer_id=customer_id, actor=SYSTEM_ACTOR)
    session.commit()
    assert rollups.stored_rows(session, workspace_id=workspace.id) == before
    assert rollups.recomputed_rows(session, workspace_id=workspace.id) == before
    assert (
        session.scalars(select(SurveyAnswer.text).where(SurveyAnswer.text.is_not(None))).all() == []
    )


def test_deleting_a_survey_deletes_its_rollup_rows(session: Session) -> None:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    answer(session, survey, at=NOW, scores={"nps": 9, "csat": 4, "ces": 6})
    session.commit()
    assert len(rollups.stored_rows(session, workspace_id=workspace.id)) == 3
    session.delete(survey)
    session.commit()
    assert rollups.stored_rows(session, workspace_id=workspace.id) == {}
    assert rollups.recomputed_rows(session, workspace_id=workspace.id) == {}


def test_one_answer_fills_its_row_by_the_definition(session: Session) -> None:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    late = datetime(2025, 3, 1, 23, 59, tzinfo=UTC)
    answer(session, survey, at=late, scores={"nps": 9}, channel="app", language="en")
    session.commit()
    [row] = session.scalars(select(MetricRollup)).all()
    assert (row.day.isoformat(), row.kind, row.language) == ("2025-03-01", "nps", "en")
    assert (row.answer_count, row.promoters, row.passives, row.detractors) == (1, 1, 0, 0)
    assert (row.score_sum, row.score_sum_squares) == (9, 81)
