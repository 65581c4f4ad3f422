"""insert_rows: one multi-row INSERT on either engine, in order, skipping conflicts."""

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import Engine, Table, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core.bulk import insert_ids, insert_rows
from nabd.surveys.models import Survey, SurveyAnswer, SurveyResponse
from tests.factories import make_workspace
from tests.query_counter import count_queries
from tests.surveys.factories import make_survey, question_ids

RESPONSES = cast(Table, SurveyResponse.__table__)
ANSWERS = cast(Table, SurveyAnswer.__table__)


@pytest.fixture
def survey(session: Session) -> Survey:
    return make_survey(session, make_workspace(session))


def _row(survey: Survey, key: str | None) -> dict[str, Any]:
    """A response row of `survey` with idempotency key `key`."""
    at = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    return {
        "workspace_id": survey.workspace_id,
        "survey_id": survey.id,
        "language": "ar",
        "completed": True,
        "idempotency_key": key,
        "submitted_at": at,
        "completed_at": at,
        "progress": [1, 2],
    }


@contextmanager
def sqlite_parameters_at_most(session: Session, limit: int) -> Iterator[None]:
    """SQLite's limit of bound parameters a statement lowered to `limit` inside the block, so
    that a few rows already take several statements (PostgreSQL: unchanged)."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    driver = cast(sqlite3.Connection, session.connection().connection.driver_connection)
    before = driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    try:
        yield
    finally:
        driver.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


def test_rows_come_back_in_order_and_conflicts_are_skipped(
    session: Session, survey: Survey
) -> None:
    ws = survey.workspace_id
    keys = ("workspace_id", "idempotency_key")
    first = insert_rows(
        session,
        RESPONSES,
        [_row(survey, "a"), _row(survey, None), _row(survey, "b")],
        returning=("id", "idempotency_key"),
        skip_conflicts_on=keys,
    )
    # Ids increase with the rows' order (RETURNING itself promises no order).
    assert [key for _, key in sorted(first)] == ["a", None, "b"]
    again = insert_rows(
        session,
        RESPONSES,
        [_row(survey, "b"), _row(survey, "c")],
        returning=("id", "idempotency_key"),
        skip_conflicts_on=keys,
    )
    assert [key for _, key in again] == ["c"]
    again_ids = list(again)
    stored = session.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars().all()
    assert [r.idempotency_key for r in stored] == ["a", None, "b", "c"]
    # Column defaults the rows left out are filled in; values keep their types.
    assert all(r.received_at is not None and r.progress == [1, 2] for r in stored)
    assert stored[0].submitted_at == datetime(2026, 11, 1, 9, 30, tzinfo=UTC)

    nps = question_ids(survey)["nps"]
    answer = {"workspace_id": ws, "response_id": first[0][0], "question_id": nps}
    texts = ["ممتاز 👍🏽", 'quote " back\\slash\nnew line', "123"]
    written = insert_rows(
        session,
        ANSWERS,
        [{**answer, "number": 9, "text": None, "choices": None}]
        + [
            {**answer, "response_id": row_id, "number": None, "text": text, "choices": {"r": [1]}}
            for (row_id, _), text in zip(sorted(first)[1:] + again_ids, texts, strict=True)
        ],
    )
    assert written == []  # nothing asked back
    assert insert_rows(session, ANSWERS, []) == []
    session.commit()
    # A JSON column given None holds JSON null, as SQLAlchemy's own INSERT stores it.
    assert session.scalar(select(func.count()).where(SurveyAnswer.choices.is_(None))) == 0
    assert session.scalar(select(SurveyAnswer.number).where(SurveyAnswer.number.is_not(None))) == 9
    stored_texts = session.scalars(
        select(SurveyAnswer.text).where(SurveyAnswer.text.is_not(None)).order_by(SurveyAnswer.id)
    )
    assert list(stored_texts) == texts
    assert session.scalar(select(SurveyAnswer.choices).where(SurveyAnswer.text == "123")) == {
        "r": [1]
    }


def test_a_naive_datetime_is_refused_as_the_orm_refuses_it(
    session: Session, survey: Survey
) -> None:
    row = _row(survey, "naive") | {"submitted_at": datetime(2026, 11, 1)}
    with pytest.raises(ValueError, match="naive"):
        insert_rows(session, RESPONSES, [row])


def test_rows_past_sqlite_parameter_limit_go_in_several_statements(
    session: Session, survey: Survey
) -> None:
    rows = [_row(survey, f"k{number}") for number in range(10)]
    # 40 parameters: 3 rows of 13 columns per statement, so 11 rows take 4 statements.
    with sqlite_parameters_at_most(session, 40):
        inserted = insert_rows(
            session,
            RESPONSES,
            [*rows, _row(survey, "k3")],  # a repeat in the last statement is skipped
            returning=("id", "idempotency_key"),
            skip_conflicts_on=("workspace_id", "idempotency_key"),
        )
    assert [key for _, key in sorted(inserted)] == [f"k{number}" for number in range(10)]


@pytest.mark.parametrize("chunked", [False, True])
def test_insert_ids_are_the_ids_of_the_rows_inserted(
    session: Session, survey: Survey, chunked: bool
) -> None:
    keys = ("workspace_id", "idempotency_key")
    insert_rows(session, RESPONSES, [_row(survey, "k2")])
    rows = [_row(survey, key) for key in ("k0", None, "k2", "k3", None, "k2", "k6")]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    # Chunked: 3 rows a statement on SQLite.
    with sqlite_parameters_at_most(session, 40) if chunked else nullcontext():
        ids: Sequence[int] = insert_ids(session, RESPONSES, columns, skip_conflicts_on=keys)
    # The rows not skipped, in their order, each with the id it was stored under.
    stored = session.execute(
        select(SurveyResponse.id, SurveyResponse.idempotency_key)
        .where(SurveyResponse.id.in_(list(ids)))
        .order_by(SurveyResponse.id)
    ).all()
    assert [row_id for row_id, _ in stored] == list(ids)
    assert [key for _, key in stored] == ["k0", None, "k3", None, "k6"]
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 6


@pytest.mark.parametrize("limit", [None, 40])
def test_a_value_every_row_shares_is_bound_once_per_statement(
    session: Session, engine: Engine, survey: Survey, limit: int | None
) -> None:
    rows = [
        _row(survey, f"k{number}") | {"language": "ar" if number % 3 else "en"}
        for number in range(20)
    ]
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    sent: list[tuple[str, Sequence[Any]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        if statement.startswith("INSERT"):
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        # The first write of the transaction goes through SQLAlchemy (its event takes the
        # write lock), so the listener sees the first statement's parameters.
        with sqlite_parameters_at_most(session, limit) if limit else nullcontext():
            ids = insert_ids(session, RESPONSES, columns)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    stored = session.execute(
        select(SurveyResponse.idempotency_key, SurveyResponse.language, SurveyResponse.survey_id)
        .where(SurveyResponse.id.in_(list(ids)))
        .order_by(SurveyResponse.id)
    ).all()
    assert stored == [(row["idempotency_key"], row["language"], survey.id) for row in rows]
    if engine.dialect.name != "sqlite":
        return
    statement, parameters = sent[0]
    # Two columns vary (the key, the language); workspace, survey, completed, submitted,
    # completed and received times and progress are one value each, named by every row.
    varying, rows_sent = 2, statement.count("), (") + 1
    shared = len(parameters) - varying * rows_sent
    assert shared == 7
    assert len(re.findall(rf"\?{shared}\b", statement)) == rows_sent
    if limit:  # the shared values, then as many rows as fit in the rest
        assert len(parameters) == shared + varying * ((limit - shared) // varying)


def test_equal_values_of_different_types_are_bound_apart(session: Session, survey: Survey) -> None:
    response = _row(survey, None)
    [(response_id,)] = insert_rows(session, RESPONSES, [response], returning=("id",))
    questions = list(question_ids(survey).values())
    # 1 == True, but a JSON column stores 1 and true.
    choices = [1, True]
    insert_rows(
        session,
        ANSWERS,
        [
            {"workspace_id": survey.workspace_id, "response_id": response_id, "question_id": q}
            | {"choices": value}
            for q, value in zip(questions, choices, strict=False)
        ],
    )
    stored = session.scalars(select(SurveyAnswer.choices).order_by(SurveyAnswer.id)).all()
    assert [(type(value), value) for value in stored] == [(type(v), v) for v in choices]


def test_writes_past_sqlalchemy_once_the_write_lock_is_held_fail_as_through_it(
    session: Session, engine: Engine, survey: Survey
) -> None:
    with count_queries(engine) as first:
        insert_rows(session, RESPONSES, [_row(survey, "a")])
    assert len(first.statements) == 1  # through SQLAlchemy, whose event takes the lock
    with count_queries(engine) as second, pytest.raises(IntegrityError):
        insert_rows(session, RESPONSES, [_row(survey, "a")])  # the key's unique index
    # On SQLite the lock is held now, so the INSERT went straight to the driver.
    assert len(second.statements) == (0 if engine.dialect.name == "sqlite" else 1)
    session.rollback()
    assert session.scalar(select(func.count(SurveyResponse.id))) == 0
