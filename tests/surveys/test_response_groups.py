"""Single responses stored together by the group commit: the rows each response leaves to
its group (answers, feedback items, rollup counts) are written once for the group, and
the group still stores what the responses one by one would store."""

import asyncio
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nabd.core.db import create_session_factory
from nabd.core.group_commit import GroupCommit, _Unit
from nabd.feedback.models import FeedbackItem
from nabd.metrics import rollups
from nabd.surveys import responses as recording
from nabd.surveys.api import response_out
from nabd.surveys.models import Survey, SurveyAnswer, SurveyResponse
from nabd.surveys.schemas import ResponseIn, ResponseOut
from tests.factories import make_workspace
from tests.query_counter import count_driver_statements
from tests.surveys.factories import make_survey, question_ids

Stored = tuple[ResponseOut, bool]


def _unit(
    survey: Survey, score: int, key: str | None, *, fail: bool = False
) -> Callable[[Session], Stored]:
    ids = question_ids(survey)
    text = "what_went_wrong" if score <= 6 else "what_you_liked"
    data = ResponseIn.model_validate(
        {
            "customer": {"external_id": f"c-{score}"},
            "answers": [
                {"question_id": ids["nps"], "value": score},
                {"question_id": ids[text], "value": f"text {score}"},
                {"question_id": ids["csat"], "value": 4},
            ],
        }
    )

    def work(session: Session) -> Stored:
        stored, created = recording.record_response(
            session, survey=survey, data=data, default_language="ar", idempotency_key=key
        )
        if fail:
            raise ValueError("failed after writing")
        return response_out(stored, {}), created

    return work


def _in_one_group(engine: Engine, works: list[Callable[[Session], Stored]]) -> list[Any]:
    loop = asyncio.new_event_loop()
    try:
        units = [_Unit(work, loop.create_future()) for work in works]
        GroupCommit(create_session_factory(engine))._run_group(units)
    finally:
        loop.close()
    return [unit.error if unit.error is not None else unit.result for unit in units]


def _count(session: Session, column: Any) -> int:
    session.expire_all()
    return session.scalar(select(func.count(column))) or 0


def _rollups_match_answers(session: Session, workspace_id: int) -> bool:
    stored = rollups.stored_rows(session, workspace_id=workspace_id)
    return stored == rollups.recomputed_rows(session, workspace_id=workspace_id)


def test_a_group_writes_answers_feedback_and_rollups_once(session: Session, engine: Engine) -> None:
    survey = make_survey(session, make_workspace(session))
    works = [_unit(survey, score, f"k{n}") for n, score in enumerate((2, 9, 9, 5))]
    with count_driver_statements(engine) as driver:
        outcomes = _in_one_group(engine, works)
    assert [created for _, created in outcomes] == [True] * 4
    assert [len(reply.answers) for reply, _ in outcomes] == [3] * 4
    if engine.dialect.name == "sqlite":
        inserts = [s.split("(")[0].split()[-1] for s in driver.statements if "INSERT" in s]
        # Per response its row (and its new customer); the rest once for the group.
        assert inserts.count("survey_responses") == 4
        assert inserts.count("survey_answers") == 1
        assert inserts.count("feedback_items") == 1
        # One upsert, run once per rollup row (the trace sees each row of an executemany):
        # the eight scores summed first into the NPS and the CSAT question's rows.
        assert inserts.count("metric_rollups") == 2
    assert _count(session, SurveyAnswer.id) == 12
    stored = {
        (response_id, question_id): value
        for response_id, question_id, value in session.execute(
            select(SurveyAnswer.response_id, SurveyAnswer.question_id, SurveyAnswer.number)
        )
    }
    for reply, _ in outcomes:
        for answer in reply.answers:
            if isinstance(answer.value, int):
                assert stored[reply.id, answer.question_id] == answer.value
    assert _count(session, FeedbackItem.id) == 4
    assert _rollups_match_answers(session, survey.workspace_id)
    # Two responses of one day, channel and language share each of their rollup rows.
    answers = session.scalar(select(func.sum(rollups.MetricRollup.answer_count)))
    assert answers == 8


def test_one_key_twice_in_a_group_stores_one_response_and_replays_it(
    session: Session, engine: Engine
) -> None:
    survey = make_survey(session, make_workspace(session))
    outcomes = _in_one_group(engine, [_unit(survey, 3, "same"), _unit(survey, 8, "same")])
    (first, created), (again, replayed) = outcomes
    assert created and not replayed
    assert again == first  # the first response, its answers included
    assert _count(session, SurveyResponse.id) == 1
    assert _count(session, SurveyAnswer.id) == 3
    assert _count(session, FeedbackItem.id) == 1
    assert _rollups_match_answers(session, survey.workspace_id)


def test_a_unit_failing_after_its_writes_leaves_no_rows_and_the_others_stored(
    session: Session, engine: Engine
) -> None:
    survey = make_survey(session, make_workspace(session))
    works = [_unit(survey, 2, "a"), _unit(survey, 9, "b", fail=True), _unit(survey, 5, "c")]
    outcomes = _in_one_group(engine, works)
    assert isinstance(outcomes[1], ValueError)
    assert outcomes[0][1] and outcomes[2][1]
    assert _count(session, SurveyResponse.id) == 2
    assert _count(session, SurveyAnswer.id) == 6
    assert _count(session, FeedbackItem.id) == 2
    assert _rollups_match_answers(session, survey.workspace_id)
    session.expire_all()
    keys = session.scalars(select(SurveyResponse.idempotency_key).order_by(SurveyResponse.id))
    assert list(keys) == ["a", "c"]
