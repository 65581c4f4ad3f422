"""Survey definitions: create, read, change, reorder, copy between workspaces. Never commits."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.errors import ErrorDetail
from nabd.core.i18n import N_
from nabd.core.pagination import Page, PageRequest, paginate
from nabd.core.types import utcnow
from nabd.journeys.models import Touchpoint
from nabd.surveys.branching import RuleInvalid, validate_rule
from nabd.surveys.errors import (
    InvalidDefinition,
    QuestionHasAnswers,
    QuestionNotFound,
    SurveyNotFound,
)
from nabd.surveys.models import Survey, SurveyAnswer, SurveyQuestion
from nabd.surveys.questions import FIXED_SCALES, QuestionSpec
from nabd.surveys.schemas import DEFINITION_FORMAT, QuestionIn, SurveyIn, SurveyPatch


def spec_of(question: SurveyQuestion) -> QuestionSpec:
    return QuestionSpec(
        id=question.id,
        key=question.key,
        type=question.type,
        required=question.required,
        settings=question.settings,
        condition=question.condition,
    )


def specs_of(survey: Survey) -> list[QuestionSpec]:
    return [spec_of(question) for question in survey.questions]


def get_survey(session: Session, *, workspace_id: int, survey_id: int) -> Survey:
    survey = session.scalar(
        select(Survey).where(Survey.workspace_id == workspace_id, Survey.id == survey_id)
    )
    if survey is None:
        raise SurveyNotFound(N_("Survey not found."))
    return survey


def get_question(survey: Survey, *, question_id: int) -> SurveyQuestion:
    for question in survey.questions:
        if question.id == question_id:
            return question
    raise QuestionNotFound(N_("Question not found."))


def list_surveys(session: Session, *, workspace_id: int, page: PageRequest) -> Page[Survey]:
    statement = select(Survey).where(Survey.workspace_id == workspace_id)
    return paginate(session, statement, id_column=Survey.id, page=page)


def all_surveys(session: Session, *, workspace_id: int) -> list[Survey]:
    return list(
        session.scalars(
            select(Survey).where(Survey.workspace_id == workspace_id).order_by(Survey.id.desc())
        )
    )


def survey_ids(session: Session, *, workspace_id: int) -> list[int]:
    return list(session.scalars(select(Survey.id).where(Survey.workspace_id == workspace_id)))


def list_touchpoints(session: Session, *, workspace_id: int) -> list[Touchpoint]:
    return list(
        session.scalars(
            select(Touchpoint)
            .where(Touchpoint.workspace_id == workspace_id)
            .order_by(Touchpoint.id)
        )
    )


def _touchpoint_id(
    session: Session, *, workspace_id: int, touchpoint_id: int | None, key: str | None
) -> int | None:
    if touchpoint_id is None and key is None:
        return None
    condition = (
        Touchpoint.id == touchpoint_id if touchpoint_id is not None else Touchpoint.key == key
    )
    found = session.scalar(
        select(Touchpoint.id).where(Touchpoint.workspace_id == workspace_id, condition)
    )
    if found is None and touchpoint_id is not None:
        raise InvalidDefinition(
            N_("The survey is not valid."),
            details=[ErrorDetail(field="touchpoint_id", reason=N_("Unknown touchpoint."))],
        )
    # A copied definition whose touchpoint key is missing here simply has no touchpoint.
    return found


def _settings_of(data: QuestionIn) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    if data.type in ("rating", "matrix"):
        scale = data.scale
        settings["scale_min"] = scale.min if scale else 1
        settings["scale_max"] = scale.max if scale else 5
    if data.type == "rating":
        settings["style"] = data.style
    if data.options:
        settings["options"] = [option.model_dump() for option in data.options]
    if data.type == "matrix":
        settings["rows"] = [row.model_dump() for row in data.rows]
    if data.type == "text" and data.max_length:
        settings["max_length"] = data.max_length
    return settings


def _checked_questions(
    questions: Sequence[QuestionIn], *, field_prefix: str = "questions"
) -> list[tuple[str, QuestionIn, dict[str, Any] | None]]:
    """Keys assigned and unique, conditions valid against earlier questions."""
    details: list[ErrorDetail] = []
    earlier: dict[str, QuestionSpec] = {}
    taken = {data.key for data in questions if data.key}
    checked = []
    for index, data in enumerate(questions):
        key = data.key or _free_key(taken, index)
        taken.add(key)
        if key in earlier:
            details.append(
                ErrorDetail(field=f"{field_prefix}.{index}.key", reason=N_("Keys must be unique."))
            )
        condition = None
        if data.condition is not None:
            try:
                condition = validate_rule(data.condition, earlier)
            except RuleInvalid as error:
                details.append(
                    ErrorDetail(
                        field=f"{field_prefix}.{index}.condition",
                        reason=error.reason,
                        params=error.params,
                    )
                )
        earlier[key] = QuestionSpec(0, key, data.type, data.required, _settings_of(data))
        checked.append((key, data, condition))
    if details:
        raise InvalidDefinition(N_("The survey is not valid."), details=details)
    return checked


def _free_key(taken: set[str], index: int) -> str:
    number = index + 1
    while f"q{number}" in taken:
        number += 1
    return f"q{number}"


def _apply_question(
    question: SurveyQuestion, *, key: str, data: QuestionIn, condition: dict[str, Any] | None
) -> None:
    question.key = key
    question.type = data.type
    question.text_ar = data.text.ar
    question.text_en = data.text.en
    question.required = data.required
    question.settings = _settings_of(data)
    question.condition = condition


def create_survey(session: Session, *, workspace_id: int, data: SurveyIn, actor: Actor) -> Survey:
    """A new survey with its questions; used for the API, the builder and JSON imports."""
    checked = _checked_questions(data.questions)
    survey = Survey(
        workspace_id=workspace_id,
        title_ar=data.title.ar,
        title_en=data.title.en,
        status=data.status,
        touchpoint_id=_touchpoint_id(
            session,
            workspace_id=workspace_id,
            touchpoint_id=data.touchpoint_id,
            key=data.touchpoint_key,
        ),
        thank_you_ar=data.thank_you.ar,
        thank_you_en=data.thank_you.en,
        review_url=data.review_url,
    )
    for position, (key, question_data, condition) in enumerate(checked):
        question = SurveyQuestion(workspace_id=workspace_id, position=position)
        _apply_question(question, key=key, data=question_data, condition=condition)
        survey.questions.append(question)
    session.add(survey)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="survey.create",
        object_type="survey",
        object_id=survey.id,
        details={"questions": len(checked)},
    )
    return survey


def _has_answers(session: Session, *, workspace_id: int, question_ids: Sequence[int]) -> bool:
    if not question_ids:
        return False
    return (
        session.scalar(
            select(func.count(SurveyAnswer.id)).where(
                SurveyAnswer.workspace_id == workspace_id,
                SurveyAnswer.question_id.in_(question_ids),
            )
        )
        or 0
    ) > 0


def _replace_questions(session: Session, survey: Survey, questions: Sequence[QuestionIn]) -> None:
    """Match by key: kept keys are updated in place (answers stay attached), others go."""
    checked = _checked_questions(questions)
    existing = {question.key: question for question in survey.questions}
    wanted = {key for key, _data, _condition in checked}
    removed = [question for key, question in existing.items() if key not in wanted]
    if _has_answers(
        session, workspace_id=survey.workspace_id, question_ids=[q.id for q in removed]
    ):
        raise QuestionHasAnswers(N_("A question that has answers cannot be removed."))
    kept = []
    for position, (key, data, condition) in enumerate(checked):
        question = existing.get(key) or SurveyQuestion(workspace_id=survey.workspace_id)
        question.position = position
        _apply_question(question, key=key, data=data, condition=condition)
        kept.append(question)
    survey.questions = kept


def update_survey(
    session: Session, *, workspace_id: int, survey_id: int, changes: SurveyPatch, actor: Actor
) -> Survey:
    survey = get_survey(session, workspace_id=workspace_id, survey_id=survey_id)
    given = changes.model_fields_set
    if changes.title is not None:
        survey.title_ar, survey.title_en = changes.title.ar, changes.title.en
    if changes.status is not None:
        survey.status = changes.status
    if "touchpoint_id" in given:
        survey.touchpoint_id = _touchpoint_id(
            session, workspace_id=workspace_id, touchpoint_id=changes.touchpoint_id, key=None
        )
    if changes.thank_you is not None:
        survey.thank_you_ar, survey.thank_you_en = changes.thank_you.ar, changes.thank_you.en
    if "review_url" in given:
        survey.review_url = changes.review_url
    if changes.questions is not None:
        _replace_questions(session, survey, changes.questions)
    survey.updated_at = utcnow()
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="survey.update",
        object_type="survey",
        object_id=survey.id,
        details={"fields": sorted(given)},
    )
    return survey


def question_in(question: SurveyQuestion) -> QuestionIn:
    """A stored question in its input shape, so single edits reuse the whole-list checks."""
    settings = question.settings
    scale = None
    if "scale_min" in settings:
        scale = {"min": settings["scale_min"], "max": settings["scale_max"]}
    return QuestionIn.model_validate(
        {
            "key": question.key,
            "type": question.type,
            "text": {"ar": question.text_ar, "en": question.text_en},
            "required": question.required,
            "scale": scale,
            "style": settings.get("style", "numbers"),
            "options": settings.get("options", []),
            "rows": settings.get("rows", []),
            "max_length": settings.get("max_length"),
            "condition": question.condition,
        }
    )


def change_questions(
    session: Session,
    *,
    workspace_id: int,
    survey_id: int,
    questions: Sequence[QuestionIn],
    actor: Actor,
) -> Survey:
    """The builder's edits (add, edit, move, remove) as one whole-list replacement."""
    return update_survey(
        session,
        workspace_id=workspace_id,
        survey_id=survey_id,
        changes=SurveyPatch(questions=list(questions)),
        actor=actor,
    )


def export_definition(session: Session, survey: Survey) -> dict[str, Any]:
    """The survey as a self-contained JSON document that create_survey accepts anywhere."""
    touchpoint_key = None
    if survey.touchpoint_id is not None:
        touchpoint_key = session.scalar(
            select(Touchpoint.key).where(
                Touchpoint.workspace_id == survey.workspace_id,
                Touchpoint.id == survey.touchpoint_id,
            )
        )
    definition = SurveyIn(
        format=DEFINITION_FORMAT,
        title={"ar": survey.title_ar, "en": survey.title_en},  # type: ignore[arg-type]
        status="draft",
        touchpoint_key=touchpoint_key,
        thank_you={"ar": survey.thank_you_ar, "en": survey.thank_you_en},  # type: ignore[arg-type]
        review_url=survey.review_url,
        questions=[question_in(question) for question in survey.questions],
    )
    return definition.model_dump(mode="json", exclude_none=True)


def scale_of(question: SurveyQuestion) -> tuple[int, int] | None:
    if question.type in FIXED_SCALES:
        return FIXED_SCALES[question.type]
    if "scale_min" in question.settings:
        return question.settings["scale_min"], question.settings["scale_max"]
    return None
