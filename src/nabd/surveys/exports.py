"""Responses as CSV (UTF-8 with BOM, so Excel opens Arabic correctly) and XLSX.

One row per response, one column per question, headed by the question's key; multiple
choices are joined with "; " and matrix rows written as "row=score", which is exactly what
`nabd import responses` reads back.
"""

from collections.abc import Iterator
from itertools import chain
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.spreadsheets import csv_bytes, xlsx_bytes
from nabd.journeys.models import Channel
from nabd.surveys.models import Survey, SurveyResponse
from nabd.surveys.questions import to_text
from nabd.surveys.responses import ResponseFilters, answer_value, response_conditions

FIXED_COLUMNS = ("response_id", "submitted_at", "completed", "language", "channel", "customer_id")
CHUNK = 1000


def header(survey: Survey) -> list[str]:
    return [*FIXED_COLUMNS, *(question.key for question in survey.questions)]


def rows(session: Session, *, survey: Survey, filters: ResponseFilters) -> Iterator[list[Any]]:
    """Data rows in response order, read in chunks so memory stays flat."""
    channels: dict[int, str] = {
        channel_id: key
        for channel_id, key in session.execute(
            select(Channel.id, Channel.key).where(Channel.workspace_id == survey.workspace_id)
        )
    }
    question_ids = [question.id for question in survey.questions]
    scoped = ResponseFilters(**{**filters.__dict__, "survey_id": survey.id})
    statement = (
        select(SurveyResponse)
        .where(SurveyResponse.workspace_id == survey.workspace_id, *response_conditions(scoped))
        .order_by(SurveyResponse.id)
        .execution_options(yield_per=CHUNK)
    )
    for response in session.scalars(statement):
        values = {answer.question_id: answer_value(answer) for answer in response.answers}
        yield [
            response.id,
            response.submitted_at.isoformat(),
            "yes" if response.completed else "no",
            response.language,
            channels.get(response.channel_id or 0, ""),
            response.customer_id or "",
            *(to_text(values.get(question_id)) for question_id in question_ids),
        ]


def to_csv(session: Session, *, survey: Survey, filters: ResponseFilters) -> bytes:
    return csv_bytes(chain([header(survey)], rows(session, survey=survey, filters=filters)))


def to_xlsx(session: Session, *, survey: Survey, filters: ResponseFilters) -> bytes:
    table = chain([header(survey)], rows(session, survey=survey, filters=filters))
    return xlsx_bytes(table, title="responses")
