"""JSON API: survey definitions, their export, links, and responses in and out."""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from nabd.api.access import Principal, require
from nabd.api.database import DbSession, SharedCommit
from nabd.api.params import ListResponse, page_request
from nabd.api.phone_region import PhoneRegion
from nabd.api.replies import json_reply
from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_, Locale, gettext
from nabd.core.pagination import PageRequest
from nabd.core.validation import describe_errors
from nabd.surveys import respondent, responses, service
from nabd.surveys.batch_items import BatchItem, validated_items
from nabd.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyDistribution,
    SurveyQuestion,
    SurveyResponse,
)
from nabd.surveys.schemas import (
    AnswerOut,
    BatchIn,
    BatchOut,
    Language,
    LinkIn,
    LinkOut,
    QuestionOut,
    Rejection,
    ResponseIn,
    ResponseOut,
    SurveyIn,
    SurveyOut,
    SurveyPatch,
)
from nabd.web.locale import request_locale
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["surveys"])

ReadSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_READ))]
WriteSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_WRITE))]
Pagination = Annotated[PageRequest, Depends(page_request)]
IDEMPOTENCY_KEY_MAX = 200
IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=IDEMPOTENCY_KEY_MAX)
]


def question_out(question: SurveyQuestion) -> QuestionOut:
    settings = question.settings
    scale = service.scale_of(question)
    return QuestionOut(
        id=question.id,
        key=question.key,
        position=question.position,
        type=question.type,
        text={"ar": question.text_ar, "en": question.text_en},  # type: ignore[arg-type]
        required=question.required,
        scale={"min": scale[0], "max": scale[1]} if scale else None,  # type: ignore[arg-type]
        style=settings.get("style"),
        options=settings.get("options", []),
        rows=settings.get("rows", []),
        max_length=question.settings.get("max_length") if question.type == "text" else None,
        condition=question.condition,
    )


def survey_out(survey: Survey) -> SurveyOut:
    return SurveyOut(
        id=survey.id,
        title={"ar": survey.title_ar, "en": survey.title_en},  # type: ignore[arg-type]
        status=survey.status,
        touchpoint_id=survey.touchpoint_id,
        thank_you={"ar": survey.thank_you_ar, "en": survey.thank_you_en},  # type: ignore[arg-type]
        review_url=survey.review_url,
        questions=[question_out(question) for question in survey.questions],
        created_at=survey.created_at,
        updated_at=survey.updated_at,
    )


def response_out(
    response: SurveyResponse | responses.NewResponse, channels: dict[int, str]
) -> ResponseOut:
    answers: Sequence[SurveyAnswer | responses.NewAnswer] = response.answers
    return ResponseOut(
        id=response.id,
        survey_id=response.survey_id,
        invitation_id=response.invitation_id,
        customer_id=response.customer_id,
        channel=channels.get(response.channel_id or 0),
        language=response.language,
        completed=response.completed,
        submitted_at=response.submitted_at,
        received_at=response.received_at,
        completed_at=response.completed_at,
        answers=[
            AnswerOut(question_id=answer.question_id, value=responses.answer_value(answer))
            for answer in sorted(answers, key=lambda a: a.question_id)
        ],
    )


def _channel_names(session: Session, workspace_id: int) -> dict[int, str]:
    return {v: k for k, v in responses.channel_keys(session, workspace_id=workspace_id).items()}


def link_out(link: SurveyDistribution) -> LinkOut:
    return LinkOut(
        id=link.id,
        survey_id=link.survey_id,
        kind=link.kind,
        token=link.token,
        path=f"/s/{link.token}",
        personal=link.is_personal,
        customer_id=link.customer_id,
        language=link.language,
    )


@router.get("/surveys")
def list_surveys(
    session: DbSession, principal: ReadSurveys, page: Pagination
) -> ListResponse[SurveyOut]:
    result = service.list_surveys(session, workspace_id=principal.workspace_id, page=page)
    return ListResponse(items=[survey_out(s) for s in result.items], next_cursor=result.next_cursor)


@router.post("/surveys", status_code=201)
def create_survey(session: DbSession, principal: WriteSurveys, data: SurveyIn) -> SurveyOut:
    """Create a survey; also imports a definition exported from any workspace."""
    survey = service.create_survey(
        session, workspace_id=principal.workspace_id, data=data, actor=principal.actor
    )
    return survey_out(survey)


@router.get("/surveys/{survey_id}")
def get_survey(session: DbSession, principal: ReadSurveys, survey_id: int) -> SurveyOut:
    return survey_out(
        service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    )


@router.patch("/surveys/{survey_id}")
def update_survey(
    session: DbSession, principal: WriteSurveys, survey_id: int, changes: SurveyPatch
) -> SurveyOut:
    survey = service.update_survey(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey_id,
        changes=changes,
        actor=principal.actor,
    )
    return survey_out(survey)


@router.get("/surveys/{survey_id}/export")
def export_survey(session: DbSession, principal: ReadSurveys, survey_id: int) -> dict[str, Any]:
    """The definition as JSON that POST /api/v1/surveys accepts in another workspace."""
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    return service.export_definition(session, survey)


@router.post("/surveys/{survey_id}/links", status_code=201)
def create_link(
    session: DbSession, principal: WriteSurveys, _region: PhoneRegion, survey_id: int, data: LinkIn
) -> LinkOut:
    """An anonymous link, or a personal one (answerable once) for the given customer."""
    link = respondent.create_link(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey_id,
        data=data,
        actor=principal.actor,
    )
    return link_out(link)


@router.post("/surveys/{survey_id}/responses", status_code=201, response_model=ResponseOut)
async def submit_response(
    writer: SharedCommit,
    principal: WriteSurveys,
    _region: PhoneRegion,
    survey_id: int,
    data: ResponseIn,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Stored in one transaction with the concurrent requests' responses, and acknowledged
    once that transaction has committed (`nabd.core.group_commit`). Async: the writer's
    thread does the database work, so the request itself needs no hop to a worker thread."""
    return await writer.run(response_unit(principal, survey_id, data, idempotency_key))


def response_unit(
    principal: Principal, survey_id: int, data: ResponseIn, idempotency_key: str | None
) -> Callable[[Session], Response]:
    """The group commit's unit of work for one response (shared with
    `nabd.surveys.response_lane`, which serves the same requests past FastAPI)."""
    return partial(
        _store_response,
        survey=responses.SurveyId(id=survey_id, workspace_id=principal.workspace_id),
        data=data,
        default_language=principal.workspace.default_language,
        idempotency_key=idempotency_key,
    )


def _store_response(
    session: Session,
    *,
    survey: responses.SurveyId,
    data: ResponseIn,
    default_language: str,
    idempotency_key: str | None,
) -> Response:
    """The reply, built on the writer's thread before the session closes (a stored response's
    answers load from it)."""
    stored, created = responses.record_response(
        session,
        survey=survey,
        data=data,
        default_language=default_language,
        idempotency_key=idempotency_key,
    )
    if created:
        channel_id = stored.channel_id
        names = {channel_id: data.channel} if channel_id is not None and data.channel else {}
        return json_reply(response_out(stored, names), 201)
    if stored.survey_id != survey.id:
        raise ValidationFailed(
            N_("The request is not valid."),
            details=[ErrorDetail("Idempotency-Key", N_("This key was used for another survey."))],
        )
    return json_reply(response_out(stored, _channel_names(session, survey.workspace_id)), 200)


def _translated(locale: Locale, rejection: dict[str, Any]) -> Rejection:
    if "error" in rejection:
        reason = describe_errors([rejection["error"]], locale)[0]["reason"]
    else:
        message_id = rejection["reason"]
        reason = gettext(locale, message_id)
        if rejection["params"]:
            reason = reason % dict(rejection["params"])
    return Rejection(index=rejection["index"], field=rejection["field"], reason=reason)


@router.post("/surveys/{survey_id}/responses/batch", response_model=BatchOut)
def submit_batch(
    request: Request,
    session: DbSession,
    principal: WriteSurveys,
    _region: PhoneRegion,
    survey_id: int,
    data: BatchIn,
) -> Response:
    """Up to 1,000 responses, each with its own optional idempotency_key."""
    store = batch_unit(
        principal, survey_id, validated_items(data.responses), locale=request_locale(request)
    )
    reply = store(session)
    # Committed here rather than when the request's session closes: on SQLite the
    # connection holds the process's one write lock until it goes back to the pool, and
    # the close runs only after another hop through the event loop and a worker thread,
    # which every other writer would wait for.
    session.commit()
    return reply


def batch_unit(
    principal: Principal,
    survey_id: int,
    items: Sequence[BatchItem | ValidationError],
    *,
    locale: Locale,
) -> Callable[[Session], Response]:
    """The batch's storing work and the route's reply, for the route's own session and for
    the group commit (`nabd.surveys.batch_lane` serves the same requests past FastAPI)."""
    return partial(
        _store_batch,
        survey=responses.SurveyId(id=survey_id, workspace_id=principal.workspace_id),
        items=items,
        default_language=principal.workspace.default_language,
        locale=locale,
    )


def _store_batch(
    session: Session,
    *,
    survey: responses.SurveyId,
    items: Sequence[BatchItem | ValidationError],
    default_language: str,
    locale: Locale,
) -> Response:
    """The valid items stored (not committed) and the reply. It may run twice
    (`nabd.core.group_commit`): it changes nothing it is given."""
    result = responses.record_checked_batch(
        session, survey=survey, items=items, default_language=default_language
    )
    rejected = [_translated(locale, rejection) for rejection in result.rejected]
    reply = BatchOut(accepted=result.accepted, duplicates=result.duplicates, rejected=rejected)
    return json_reply(reply, 200)


@router.get("/responses")
def list_responses(
    session: DbSession,
    principal: ReadSurveys,
    page: Pagination,
    survey_id: int | None = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    channel: Annotated[str | None, Query(max_length=50)] = None,
    language: Language | None = None,
) -> ListResponse[ResponseOut]:
    """Responses with their answers; `from` is inclusive and `to` exclusive (submitted time)."""
    channel_names = _channel_names(session, principal.workspace_id)
    channel_id = None
    if channel is not None:
        channel_id = next((cid for cid, key in channel_names.items() if key == channel), -1)
    filters = responses.ResponseFilters(
        survey_id=survey_id,
        since=_aware(since, "from"),
        until=_aware(until, "to"),
        channel_id=channel_id,
        language=language,
    )
    result = responses.list_responses(
        session, workspace_id=principal.workspace_id, filters=filters, page=page
    )
    return ListResponse(
        items=[response_out(r, channel_names) for r in result.items],
        next_cursor=result.next_cursor,
    )


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(
            N_("Invalid query parameters."),
            details=[ErrorDetail(name, N_("Must include a time zone offset."))],
        )
    return value
