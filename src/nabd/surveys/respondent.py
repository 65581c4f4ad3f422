"""The respondent's side: links, which questions come next, saving a page of answers.

A respondent sees the survey page by page; a page ends before any question whose condition
looks at an answer on the same page. Each page is saved at once, so someone who leaves after
the second question still counts for it. Never commits.
"""

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.customers.identity import resolve_customer
from nabd.metrics import rollups
from nabd.surveys.branching import is_visible, referenced_keys
from nabd.surveys.errors import InvalidResponse, LinkNotFound, SurveyNotOpen
from nabd.surveys.models import Survey, SurveyAnswer, SurveyDistribution, SurveyResponse
from nabd.surveys.questions import QuestionSpec
from nabd.surveys.responses import (
    answer_value,
    channel_keys,
    find_by_key,
    record_texts_as_feedback,
    set_answer_value,
)
from nabd.surveys.schemas import LinkIn
from nabd.surveys.service import get_survey, specs_of

TOKEN_BYTES = 18
MAX_PAGE_QUESTIONS = 6


def next_page(
    specs: Sequence[QuestionSpec], answers: Mapping[str, Any], done: set[int]
) -> list[QuestionSpec]:
    """The questions to show now: not yet submitted, visible, independent of each other."""
    page: list[QuestionSpec] = []
    on_page: set[str] = set()
    for spec in specs:
        if spec.id in done:
            continue
        if referenced_keys(spec.condition) & on_page or len(page) == MAX_PAGE_QUESTIONS:
            break
        if is_visible(spec, answers):
            page.append(spec)
            on_page.add(spec.key)
    return page


def create_link(
    session: Session, *, workspace_id: int, survey_id: int, data: LinkIn, actor: Actor
) -> SurveyDistribution:
    """An anonymous link, or a personal one (answerable once) when a customer is given."""
    survey = get_survey(session, workspace_id=workspace_id, survey_id=survey_id)
    customer_id = None
    if data.customer is not None:
        customer_id = resolve_customer(
            session,
            workspace_id=workspace_id,
            identities=data.customer.identities(),
            language=data.language,
        )
    channel_id = None
    if data.channel is not None:
        channel_id = channel_keys(session, workspace_id=workspace_id).get(data.channel)
        if channel_id is None:
            raise InvalidResponse(N_("The link is not valid."))
    link = SurveyDistribution(
        workspace_id=workspace_id,
        survey_id=survey.id,
        kind="link",
        token=secrets.token_urlsafe(TOKEN_BYTES),
        customer_id=customer_id,
        channel_id=channel_id,
        language=data.language,
    )
    session.add(link)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="survey.link_create",
        object_type="survey",
        object_id=survey.id,
        details={"link_id": link.id, "personal": customer_id is not None},
    )
    return link


def list_links(session: Session, *, workspace_id: int, survey_id: int) -> list[SurveyDistribution]:
    return list(
        session.scalars(
            select(SurveyDistribution)
            .where(
                SurveyDistribution.workspace_id == workspace_id,
                SurveyDistribution.survey_id == survey_id,
            )
            .order_by(SurveyDistribution.id)
        )
    )


def find_link(session: Session, *, token: str) -> tuple[SurveyDistribution, Survey]:
    """The link a public token opens. The token itself is the credential, so no workspace."""
    link = session.scalar(select(SurveyDistribution).where(SurveyDistribution.token == token))
    if link is None:
        raise LinkNotFound(N_("This survey link does not exist."))
    survey = get_survey(session, workspace_id=link.workspace_id, survey_id=link.survey_id)
    return link, survey


def invitation_key(link: SurveyDistribution) -> str:
    return f"invitation:{link.id}"


def personal_response(session: Session, link: SurveyDistribution) -> SurveyResponse | None:
    return find_by_key(session, workspace_id=link.workspace_id, key=invitation_key(link))


def find_response(
    session: Session, *, link: SurveyDistribution, response_id: int
) -> SurveyResponse | None:
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.workspace_id == link.workspace_id,
            SurveyResponse.survey_id == link.survey_id,
            SurveyResponse.id == response_id,
        )
    )


def answers_by_key(survey: Survey, response: SurveyResponse | None) -> dict[str, Any]:
    if response is None:
        return {}
    keys = {question.id: question.key for question in survey.questions}
    return {keys[a.question_id]: answer_value(a) for a in response.answers if a.question_id in keys}


def save_page(
    session: Session,
    *,
    survey: Survey,
    link: SurveyDistribution,
    response: SurveyResponse | None,
    values: Mapping[int, Any],
    shown: Sequence[int],
    language: str,
) -> SurveyResponse:
    """Store one page's checked answers; completes the response when nothing is left to ask."""
    if response is None:
        response = SurveyResponse(
            workspace_id=survey.workspace_id,
            survey_id=survey.id,
            invitation_id=link.id,
            customer_id=link.customer_id,
            channel_id=link.channel_id,
            touchpoint_id=survey.touchpoint_id,
            language=language,
            idempotency_key=invitation_key(link) if link.is_personal else None,
            submitted_at=utcnow(),
            progress=[],
            answers=[],
        )
        try:
            with session.begin_nested():
                session.add(response)
        except IntegrityError:
            # The same personal invitation answered at the same moment in another tab.
            raise SurveyNotOpen(N_("This invitation has already been answered.")) from None
    counted = rollups.contribution(survey, [response])
    existing = {answer.question_id: answer for answer in response.answers}
    for question_id, value in values.items():
        if question_id in existing:
            set_answer_value(existing[question_id], value)
        else:
            answer = SurveyAnswer(workspace_id=survey.workspace_id, question_id=question_id)
            set_answer_value(answer, value)
            response.answers.append(answer)
    response.progress = sorted({*response.progress, *shown})
    response.language = language
    response.submitted_at = utcnow()
    answers = answers_by_key(survey, response)
    if not next_page(specs_of(survey), answers, set(response.progress)):
        response.completed = True
        response.completed_at = response.submitted_at
    session.flush()
    rollups.record_change(session, survey=survey, response=response, before=counted)
    record_texts_as_feedback(session, survey=survey, response=response)
    return response
