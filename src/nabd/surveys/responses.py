"""Recording responses from the API, imports and the respondent's page; listing them.

Never commits. Idempotency keys are unique per workspace, so a repeated key (even from a
concurrent request) returns the first response instead of storing a second one.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, cast

from pydantic import ValidationError
from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from nabd.core.bulk import driver_rows, insert_columns, insert_ids, insert_rows
from nabd.core.deferred_writes import write_later, write_pending
from nabd.core.errors import ErrorDetail
from nabd.core.i18n import N_
from nabd.core.pagination import Page, PageRequest, paginate
from nabd.core.plain_rows import select_in
from nabd.core.types import utcnow
from nabd.core.validation import field_path
from nabd.customers.identity import resolve_customer, resolve_optional_customers
from nabd.customers.references import Identities
from nabd.feedback.service import (
    NewFeedback,
    record_feedback,
    record_new_feedback,
    record_new_feedback_columns,
)
from nabd.metrics import rollups
from nabd.metrics.rollups import CountedSurvey
from nabd.surveys.batch_items import BatchItem, identities_of, response_in, validated_items
from nabd.surveys.batch_rows import RATING_TYPES, AnswerChecker, BatchRows, Checked
from nabd.surveys.branching import is_visible
from nabd.surveys.definitions import CompiledSurvey, response_context
from nabd.surveys.errors import InvalidResponse
from nabd.surveys.models import SurveyAnswer, SurveyResponse
from nabd.surveys.questions import AnswerInvalid, QuestionSpec, normalise_answer
from nabd.surveys.schemas import AnswerIn, ResponseIn

INVALID = N_("The response is not valid.")
RESPONSES = cast(Table, SurveyResponse.__table__)
ANSWERS = cast(Table, SurveyAnswer.__table__)
_RESPONSE_COLUMNS = tuple(column.key for column in RESPONSES.columns if column.key != "id")


@dataclass(frozen=True)
class ResponseFilters:
    survey_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    channel_id: int | None = None
    language: str | None = None
    touchpoint_id: int | None = None


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


def channel_keys(session: Session, *, workspace_id: int) -> dict[str, int]:
    # Through the driver: built through SQLAlchemy, this lookup of a few rows cost as much
    # as a hundred of a batch's responses.
    rows = driver_rows(
        session, "SELECT key, id FROM channels WHERE workspace_id = ?", (workspace_id,)
    )
    return {key: channel_id for key, channel_id in rows}


def checked_answers(
    specs: Sequence[QuestionSpec],
    answers: Sequence[AnswerIn],
    *,
    complete: bool,
    field_prefix: str = "answers",
    by_id: Mapping[int, QuestionSpec] | None = None,
) -> dict[int, Any]:
    """Question id → normalised answer; raises InvalidResponse naming each bad field."""
    if by_id is None:
        by_id = {spec.id: spec for spec in specs}
    details: list[ErrorDetail] = []
    values: dict[int, Any] = {}
    for index, answer in enumerate(answers):
        spec = by_id.get(answer.question_id)
        if spec is None:
            details.append(
                ErrorDetail(f"{field_prefix}.{index}.question_id", N_("Unknown question."))
            )
        elif spec.id in values:
            details.append(
                ErrorDetail(f"{field_prefix}.{index}.question_id", N_("Answered more than once."))
            )
        else:
            try:
                values[spec.id] = normalise_answer(spec, answer.value)
            except AnswerInvalid as error:
                details.append(
                    ErrorDetail(f"{field_prefix}.{index}.value", error.reason, error.params)
                )
    if details:
        raise InvalidResponse(INVALID, details=details)
    by_key = {spec.key: values.get(spec.id) for spec in specs}
    for index, answer in enumerate(answers):
        spec = by_id[answer.question_id]
        if values[spec.id] is not None and not is_visible(spec, by_key):
            details.append(
                ErrorDetail(
                    f"{field_prefix}.{index}.question_id",
                    N_("This question is not asked after the earlier answers."),
                )
            )
    if complete:
        for spec in specs:
            if spec.required and by_key[spec.key] is None and is_visible(spec, by_key):
                details.append(
                    ErrorDetail(
                        field_prefix,
                        N_("Question %(key)s is required."),
                        {"key": spec.key},
                    )
                )
    if details:
        raise InvalidResponse(INVALID, details=details)
    return {question_id: value for question_id, value in values.items() if value is not None}


@dataclass(slots=True)
class NewAnswer:
    """An answer about to be stored: a plain row, with none of the ORM's bookkeeping."""

    question_id: int
    number: int | None
    text: str | None
    choices: Any | None

    @classmethod
    def of(cls, question_id: int, value: Any) -> "NewAnswer":
        return cls(
            question_id=question_id,
            number=value if isinstance(value, int) else None,
            text=value if isinstance(value, str) else None,
            choices=value if isinstance(value, (list, dict)) else None,
        )


@dataclass(slots=True)
class NewResponse:
    """A response about to be stored, and once stored, what the API replies with.

    Plain objects rather than `SurveyResponse`: building ORM instances (attribute events,
    collection bookkeeping) cost about half of a batch's time, and nothing here needs the
    session to track them. The field names are the `survey_responses` columns.
    """

    workspace_id: int
    survey_id: int
    customer_id: int | None
    channel_id: int | None
    touchpoint_id: int | None
    language: str
    completed: bool
    completed_at: datetime | None
    idempotency_key: str | None
    submitted_at: datetime
    progress: list[int]
    answers: list[NewAnswer]
    invitation_id: int | None = None
    received_at: datetime = field(default_factory=utcnow)
    id: int = 0


def set_answer_value(answer: SurveyAnswer, value: Any) -> None:
    answer.number = value if isinstance(value, int) else None
    answer.text = value if isinstance(value, str) else None
    answer.choices = value if isinstance(value, list | dict) else None


def answer_value(answer: SurveyAnswer | NewAnswer) -> Any:
    if answer.choices is not None:
        return answer.choices
    return answer.number if answer.number is not None else answer.text


def find_by_key(session: Session, *, workspace_id: int, key: str) -> SurveyResponse | None:
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.workspace_id == workspace_id, SurveyResponse.idempotency_key == key
        )
    )


@dataclass(frozen=True)
class PreparedResponse:
    """A checked response, ready to store."""

    values: dict[int, Any]
    language: str
    channel_id: int | None
    submitted_at: datetime
    completed: bool
    idempotency_key: str | None


def prepare(
    survey: CompiledSurvey,
    data: ResponseIn,
    *,
    channels: Mapping[str, int],
    default_language: str,
    idempotency_key: str | None,
) -> PreparedResponse:
    values = checked_answers(
        survey.questions, data.answers, complete=data.completed, by_id=survey.by_id
    )
    channel_id = None
    if data.channel is not None:
        channel_id = channels.get(data.channel)
        if channel_id is None:
            raise InvalidResponse(INVALID, details=[ErrorDetail("channel", N_("Unknown channel."))])
    return PreparedResponse(
        values=values,
        language=data.language or default_language,
        channel_id=channel_id,
        submitted_at=data.submitted_at.astimezone(UTC) if data.submitted_at else utcnow(),
        completed=data.completed,
        idempotency_key=idempotency_key,
    )


def _new_response(
    survey: CompiledSurvey, prepared: PreparedResponse, customer_id: int | None
) -> NewResponse:
    return NewResponse(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        customer_id=customer_id,
        channel_id=prepared.channel_id,
        touchpoint_id=survey.touchpoint_id,
        language=prepared.language,
        completed=prepared.completed,
        completed_at=prepared.submitted_at if prepared.completed else None,
        idempotency_key=prepared.idempotency_key,
        submitted_at=prepared.submitted_at,
        progress=sorted(prepared.values),
        answers=[
            NewAnswer.of(question_id, value) for question_id, value in prepared.values.items()
        ],
    )


class SurveyKey(Protocol):
    """Which survey a response is for: a loaded `Survey`, or `SurveyId` when only the ids
    are known (the API, which then loads nothing but the compiled definition)."""

    @property
    def id(self) -> int: ...
    @property
    def workspace_id(self) -> int: ...


@dataclass(frozen=True)
class SurveyId:
    id: int
    workspace_id: int


def record_response(
    session: Session,
    *,
    survey: SurveyKey,
    data: ResponseIn,
    default_language: str,
    idempotency_key: str | None = None,
) -> tuple[SurveyResponse | NewResponse, bool]:
    """Store one response (and its texts as feedback); (response, created).

    A key stored before returns that response; a key a concurrent request stores first
    makes the INSERT do nothing, and that response is returned instead (no savepoint).
    """
    workspace_id = survey.workspace_id
    context = response_context(
        session,
        workspace_id=workspace_id,
        survey_id=survey.id,
        channel=data.channel,
        idempotency_key=idempotency_key,
    )
    if context.existing_id is not None:
        write_pending(session)  # a response of this group commit: its answers
        return _stored(session, context.existing_id), False
    compiled = context.survey
    channels = {data.channel: context.channel_id} if context.channel_id is not None else {}
    prepared = prepare(
        compiled,
        data,
        channels=cast(dict[str, int], channels),
        default_language=default_language,
        idempotency_key=idempotency_key,
    )
    customer_id = (
        None
        if data.customer is None
        else resolve_customer(
            session,
            workspace_id=workspace_id,
            identities=data.customer.identities(),
            language=prepared.language,
        )
    )
    response = _new_response(compiled, prepared, customer_id)
    if not _insert_all(session, [response]):
        write_pending(session)
        existing = find_by_key(session, workspace_id=workspace_id, key=idempotency_key or "")
        if existing is None:  # pragma: no cover - the conflict names this key
            raise RuntimeError("an idempotency key conflicted but no response holds it")
        return existing, False
    record_new_texts_as_feedback(session, survey=compiled, responses=[response])
    rollups.record_responses(session, survey=compiled, responses=[response])
    return response, True


def _stored(session: Session, response_id: int) -> SurveyResponse:
    return session.get_one(SurveyResponse, response_id)


def _rejection(index: int, error: InvalidResponse | ValidationError) -> dict[str, Any]:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return {"index": index, "field": field_path(first["loc"]), "error": first}
    detail = error.details[0]
    return {"index": index, "field": detail.field, "reason": detail.reason, "params": detail.params}


def record_batch(
    session: Session,
    *,
    survey: SurveyKey,
    items: Sequence[Mapping[str, Any]],
    default_language: str,
) -> BatchResult:
    """Many responses at once; bad items are rejected one by one, the rest stored."""
    return record_checked_batch(
        session,
        survey=survey,
        items=validated_items(items),
        default_language=default_language,
    )


def record_checked_batch(
    session: Session,
    *,
    survey: SurveyKey,
    items: Sequence[BatchItem | ValidationError],
    default_language: str,
) -> BatchResult:
    """`record_batch` for items already validated (`batch_items`): stores what
    `record_response` would store for each good item, in the items' order, but builds the
    rows as columns (`batch_rows`) rather than through its per-response objects."""
    result = BatchResult()
    workspace_id = survey.workspace_id
    compiled = response_context(session, workspace_id=workspace_id, survey_id=survey.id).survey
    channels = channel_keys(session, workspace_id=workspace_id)
    # One time for the whole request: when its responses were received, and when those that
    # give none were submitted (so each stored time is formatted once, not per response).
    now = utcnow()
    checker = AnswerChecker(compiled)
    checked: list[Checked] = []
    refs: list[Identities | None] = []
    seen_keys: set[str] = set()
    for index, item in enumerate(items):
        if isinstance(item, ValidationError):
            result.rejected.append(_rejection(index, item))
            continue
        completed = item.get("completed", True)
        values = checker.values(item.get("answers", ()), complete=completed)
        channel = item.get("channel")
        channel_id = None if channel is None else channels.get(channel)
        if values is None or (channel_id is None and channel is not None):
            # The single path's checks: the exact rejection (or, if the quick check was only
            # unsure, the same values).
            try:
                prepared = prepare(
                    compiled,
                    response_in(item),
                    channels=channels,
                    default_language=default_language,
                    idempotency_key=item.get("idempotency_key"),
                )
            except InvalidResponse as error:
                result.rejected.append(_rejection(index, error))
                continue
            values, channel_id = prepared.values, prepared.channel_id
        key = item.get("idempotency_key")
        if key is not None:
            if key in seen_keys:
                result.duplicates += 1
                continue
            seen_keys.add(key)
        given_at = item.get("submitted_at")
        submitted_at = given_at.astimezone(UTC) if given_at else now
        language = item.get("language") or default_language
        checked.append((values, channel_id, language, completed, submitted_at, key))
        customer = item.get("customer")
        refs.append(None if customer is None else identities_of(customer))
    accepted = len(checked)
    existing = _existing_keys(session, workspace_id=workspace_id, keys=seen_keys)
    if existing:
        kept = [i for i, response in enumerate(checked) if response[5] not in existing]
        checked = [checked[i] for i in kept]
        refs = [refs[i] for i in kept]
    customer_ids = resolve_optional_customers(
        session,
        workspace_id=workspace_id,
        references=refs,
        languages=[response[2] for response in checked],
    )
    rows = BatchRows(compiled, received_at=now)
    # Keys a concurrent request stored after the lookup above are skipped by the INSERT.
    stored, stored_customers = _insert_batch(session, rows, checked, customer_ids)
    insert_columns(session, ANSWERS, rows.answers(stored))
    record_new_feedback_columns(
        session, workspace_id=workspace_id, columns=rows.feedback(stored, stored_customers)
    )
    rollups.record_scores(session, survey_id=compiled.id, scores=rows.scores(stored))
    result.accepted += len(stored)
    result.duplicates += accepted - len(stored)
    return result


def _insert_batch(
    session: Session,
    rows: BatchRows,
    checked: Sequence[Checked],
    customer_ids: Sequence[int | None],
) -> tuple[list[tuple[int, Checked]], list[int | None]]:
    """`_insert_all`'s responses INSERT for a batch's columns: the stored responses, each
    with its id, and their customers."""
    if not checked:
        return [], []
    ids = insert_ids(
        session,
        RESPONSES,
        rows.responses(checked, customer_ids),
        skip_conflicts_on=("workspace_id", "idempotency_key"),
    )
    if len(ids) == len(checked):  # every response stored, in order
        return list(zip(ids, checked, strict=True)), list(customer_ids)
    # Some key was stored by a concurrent transaction since the lookup: which rows are ours.
    inserted = select_in(
        session,
        sql="SELECT id, idempotency_key FROM survey_responses WHERE id {IN}",
        values=list(ids),
    )
    by_key = {key: response_id for response_id, key in inserted if key is not None}
    unkeyed = iter(sorted(response_id for response_id, key in inserted if key is None))
    stored: list[tuple[int, Checked]] = []
    stored_customers: list[int | None] = []
    for response, customer_id in zip(checked, customer_ids, strict=True):
        key = response[5]
        if key is None:
            response_id = next(unkeyed)
        elif key in by_key:
            response_id = by_key[key]
        else:
            continue
        stored.append((response_id, response))
        stored_customers.append(customer_id)
    return stored, stored_customers


def _insert_all(session: Session, responses: Sequence[NewResponse]) -> list[NewResponse]:
    """Set-based INSERTs: the responses, then all their answers; the ones stored, each with
    its id, so what is computed from it afterwards (feedback items, rollups, the API's reply)
    names the stored row.

    A response whose idempotency key is already stored (by a concurrent transaction that
    committed or is about to) is skipped by `ON CONFLICT DO NOTHING` rather than failing
    the statement, so no savepoint is needed.
    """
    if not responses:
        return []
    rows = [{name: getattr(response, name) for name in _RESPONSE_COLUMNS} for response in responses]
    inserted = insert_rows(
        session,
        RESPONSES,
        rows,
        returning=("id", "idempotency_key"),
        skip_conflicts_on=("workspace_id", "idempotency_key"),
    )
    by_key = {key: response_id for response_id, key in inserted if key is not None}
    # Rows without a key cannot conflict; their ids are the rest, in insertion order (one
    # statement assigns increasing ids in VALUES order, as SQLAlchemy's own
    # sort_by_parameter_order relies on).
    unkeyed = iter(sorted(response_id for response_id, key in inserted if key is None))
    stored: list[NewResponse] = []
    answers: list[dict[str, Any]] = []
    for response in responses:
        key = response.idempotency_key
        if key is None:
            response.id = next(unkeyed)
        elif key in by_key:
            response.id = by_key[key]
        else:
            continue
        stored.append(response)
        answers.extend(
            {
                "workspace_id": response.workspace_id,
                "response_id": response.id,
                "question_id": answer.question_id,
                "number": answer.number,
                "text": answer.text,
                "choices": answer.choices,
            }
            for answer in response.answers
        )
    # Inside a group commit, with the other responses' answers (`nabd.core.deferred_writes`).
    write_later(session, _insert_answers, answers)
    return stored


def _insert_answers(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_rows(session, ANSWERS, rows)


def _existing_keys(session: Session, *, workspace_id: int, keys: set[str]) -> set[str]:
    rows = select_in(
        session,
        sql="SELECT idempotency_key FROM survey_responses "
        "WHERE workspace_id = %s AND idempotency_key {IN}",
        values=sorted(keys),
        params=(workspace_id,),
    )
    return {key for (key,) in rows}


def _rating(
    survey: CountedSurvey, response: SurveyResponse | NewResponse
) -> tuple[Decimal | None, int | None]:
    numbers = {answer.question_id: answer.number for answer in response.answers}
    for kind, scale_max in RATING_TYPES:
        for question in survey.questions:
            if question.type == kind and numbers.get(question.id) is not None:
                return Decimal(numbers[question.id] or 0), scale_max
    return None, None


def _text_questions(survey: CountedSurvey) -> frozenset[int]:
    return frozenset(q.id for q in survey.questions if q.type == "text")


def _feedback_of(
    survey: CountedSurvey,
    response: SurveyResponse | NewResponse,
    text_questions: frozenset[int],
) -> list[NewFeedback]:
    """The feedback items a response's open-text answers become."""
    texts = [a for a in response.answers if a.question_id in text_questions and a.text]
    if not texts:
        return []
    rating, scale_max = _rating(survey, response)
    return [
        NewFeedback(
            source="survey",
            external_id=f"response:{response.id}:question:{answer.question_id}",
            text=answer.text or "",
            created_at=response.submitted_at,
            customer_id=response.customer_id,
            channel_id=response.channel_id,
            touchpoint_id=response.touchpoint_id,
            language=response.language,
            rating=rating,
            rating_scale_max=scale_max,
            details={
                "survey_id": survey.id,
                "question_id": answer.question_id,
                "response_id": response.id,
            },
        )
        for answer in texts
    ]


def record_texts_as_feedback(
    session: Session, *, survey: CountedSurvey, response: SurveyResponse
) -> int:
    """Every open-text answer becomes a feedback item (idempotent per response and question)."""
    items = _feedback_of(survey, response, _text_questions(survey))
    for item in items:
        record_feedback(session, workspace_id=response.workspace_id, **asdict(item))
    return len(items)


def record_new_texts_as_feedback(
    session: Session, *, survey: CompiledSurvey, responses: Sequence[NewResponse]
) -> int:
    """The same for responses stored in this transaction, whose items cannot exist yet."""
    text_questions = _text_questions(survey)
    items = [
        (survey.workspace_id, item)
        for response in responses
        for item in _feedback_of(survey, response, text_questions)
    ]
    if items:  # inside a group commit, with the other responses' items
        write_later(session, _record_feedback, items)
    return len(items)


def _record_feedback(session: Session, items: list[tuple[int, NewFeedback]]) -> None:
    """The feedback items of responses (of one or more workspaces), one INSERT a workspace."""
    by_workspace: dict[int, list[NewFeedback]] = {}
    for workspace_id, item in items:
        by_workspace.setdefault(workspace_id, []).append(item)
    for workspace_id, workspace_items in by_workspace.items():
        record_new_feedback(session, workspace_id=workspace_id, items=workspace_items)


def list_responses(
    session: Session, *, workspace_id: int, filters: ResponseFilters, page: PageRequest
) -> Page[SurveyResponse]:
    statement = select(SurveyResponse).where(SurveyResponse.workspace_id == workspace_id)
    for condition in response_conditions(filters):
        statement = statement.where(condition)
    return paginate(session, statement, id_column=SurveyResponse.id, page=page)


def response_conditions(filters: ResponseFilters) -> list[Any]:
    """WHERE clauses for the filters; shared by the list, the results and the exports."""
    conditions: list[Any] = []
    if filters.survey_id is not None:
        conditions.append(SurveyResponse.survey_id == filters.survey_id)
    if filters.since is not None:
        conditions.append(SurveyResponse.submitted_at >= filters.since)
    if filters.until is not None:
        conditions.append(SurveyResponse.submitted_at < filters.until)
    if filters.channel_id is not None:
        conditions.append(SurveyResponse.channel_id == filters.channel_id)
    if filters.language is not None:
        conditions.append(SurveyResponse.language == filters.language)
    if filters.touchpoint_id is not None:
        conditions.append(SurveyResponse.touchpoint_id == filters.touchpoint_id)
    return conditions
