"""The survey builder pages: list, create, copy in, edit settings and questions, links.

Plain forms that work without JavaScript; every change goes through the service.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import NabdError
from nabd.core.i18n import N_
from nabd.surveys import invitations, respondent, service
from nabd.surveys.distribution_views import distribution_context
from nabd.surveys.forms import (
    options_to_lines,
    plain_fields,
    question_from_form,
    submitted_form,
)
from nabd.surveys.models import Survey
from nabd.surveys.questions import QUESTION_TYPES, STANDARD_WORDING
from nabd.surveys.schemas import LinkIn, QuestionIn, SurveyIn, SurveyPatch
from nabd.web.form_errors import error_messages
from nabd.web.navigation import NavItem
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/surveys", dependencies=[Depends(check_csrf)], include_in_schema=False)

NAV_ITEMS = (NavItem("surveys", N_("Surveys"), "/surveys", Permission.SURVEYS_READ),)

ReadSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_READ))]
WriteSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_WRITE))]
Form = Annotated[FormData, Depends(submitted_form)]

STARTERS: dict[str, list[dict[str, Any]]] = {
    "blank": [],
    "nps": [{"type": "nps", "required": True}, {"type": "text", "follow_up": True}],
    "csat_ces": [{"type": "csat", "required": True}, {"type": "ces"}, {"type": "text"}],
}
FOLLOW_UPS = {
    "low": ("ما الذي لم يعجبك؟ وكيف نتحسن؟", "What went wrong, and how can we improve?"),
    "high": ("ما الذي أعجبك أكثر؟", "What did you like most?"),
    "any": ("هل تود إضافة شيء؟", "Anything else you would like to tell us?"),
}


def _starter_questions(starter: str, company: str) -> list[dict[str, Any]]:
    questions: list[dict[str, Any]] = []
    for item in STARTERS.get(starter, []):
        kind = item["type"]
        if kind in STANDARD_WORDING:
            english, arabic = STANDARD_WORDING[kind]
            text = {"ar": arabic % {"company": company}, "en": english % {"company": company}}
            questions.append(
                {"key": kind, "type": kind, "text": text, "required": item.get("required", False)}
            )
        elif item.get("follow_up"):
            for key, rule in (
                ("what_went_wrong", {"question": "nps", "op": "lte", "value": 6}),
                ("what_you_liked", {"question": "nps", "op": "gte", "value": 7}),
            ):
                arabic, english = FOLLOW_UPS["low" if "wrong" in key else "high"]
                questions.append(
                    {
                        "key": key,
                        "type": "text",
                        "text": {"ar": arabic, "en": english},
                        "condition": rule,
                    }
                )
        else:
            arabic, english = FOLLOW_UPS["any"]
            questions.append(
                {"key": "comment", "type": "text", "text": {"ar": arabic, "en": english}}
            )
    return questions


def _list_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        "surveys/list.html",
        {
            "surveys": service.all_surveys(session, workspace_id=principal.workspace_id),
            "touchpoints": service.list_touchpoints(session, workspace_id=principal.workspace_id),
            "errors": errors or [],
            "form": form or {},
        },
        status_code=status_code,
    )


@router.get("")
def survey_list(request: Request, session: DbSession, principal: ReadSurveys) -> Response:
    return _list_page(request, session, principal)


@router.post("")
def create_survey(
    request: Request, session: DbSession, principal: WriteSurveys, form: Form
) -> Response:
    fields = plain_fields(form)
    touchpoint = fields.get("touchpoint_id", "")
    document = {
        "title": {"ar": fields.get("title_ar", ""), "en": fields.get("title_en", "")},
        "touchpoint_id": int(touchpoint) if touchpoint.isdigit() else None,
        "questions": _starter_questions(fields.get("starter", "blank"), principal.workspace.name),
    }
    try:
        survey = service.create_survey(
            session,
            workspace_id=principal.workspace_id,
            data=SurveyIn.model_validate(document),
            actor=principal.actor,
        )
    except (ValidationError, NabdError) as error:
        return _list_page(
            request,
            session,
            principal,
            errors=error_messages(request, error),
            form=fields,
            status_code=422,
        )
    flash(request, N_("Survey created."))
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


@router.post("/import")
def import_survey(
    request: Request, session: DbSession, principal: WriteSurveys, form: Form
) -> Response:
    """Create a survey from a definition exported by this or another nabd workspace."""
    try:
        data = SurveyIn.model_validate_json(plain_fields(form).get("definition", ""))
        survey = service.create_survey(
            session, workspace_id=principal.workspace_id, data=data, actor=principal.actor
        )
    except (ValidationError, NabdError) as error:
        return _list_page(
            request, session, principal, errors=error_messages(request, error), status_code=422
        )
    flash(request, N_("Survey imported."))
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


def _builder_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    survey: Survey,
    *,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        "surveys/builder.html",
        {
            "survey": survey,
            "touchpoints": service.list_touchpoints(session, workspace_id=principal.workspace_id),
            "links": invitations.standalone_links(
                session, workspace_id=principal.workspace_id, survey_id=survey.id
            ),
            "question_types": QUESTION_TYPES,
            "options_to_lines": options_to_lines,
            "errors": errors or [],
            "can_write": principal.can(Permission.SURVEYS_WRITE),
            **distribution_context(request, session, principal, survey),
        },
        status_code=status_code,
    )


def _builder_page_refusing(
    request: Request,
    session: DbSession,
    principal: Principal,
    survey: Survey,
    error: ValidationError | NabdError,
) -> Response:
    """The builder again, with the reasons a change was refused (422)."""
    return _builder_page(
        request, session, principal, survey, errors=error_messages(request, error), status_code=422
    )


@router.get("/{survey_id}")
def builder(
    request: Request, session: DbSession, principal: ReadSurveys, survey_id: int
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    return _builder_page(request, session, principal, survey)


@router.post("/{survey_id}")
def update_settings(
    request: Request, session: DbSession, principal: WriteSurveys, survey_id: int, form: Form
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    fields = plain_fields(form)
    touchpoint = fields.get("touchpoint_id", "")
    try:
        changes = SurveyPatch.model_validate(
            {
                "title": {"ar": fields.get("title_ar", ""), "en": fields.get("title_en", "")},
                "thank_you": {
                    "ar": fields.get("thank_you_ar", ""),
                    "en": fields.get("thank_you_en", ""),
                },
                "review_url": fields.get("review_url", "").strip() or None,
                "touchpoint_id": int(touchpoint) if touchpoint.isdigit() else None,
            }
        )
        service.update_survey(
            session,
            workspace_id=principal.workspace_id,
            survey_id=survey.id,
            changes=changes,
            actor=principal.actor,
        )
    except (ValidationError, NabdError) as error:
        return _builder_page_refusing(request, session, principal, survey, error)
    flash(request, N_("Survey saved."))
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


@router.post("/{survey_id}/status")
def change_status(
    request: Request, session: DbSession, principal: WriteSurveys, survey_id: int, form: Form
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    try:
        changes = SurveyPatch.model_validate({"status": plain_fields(form).get("status", "")})
    except ValidationError as error:
        return _builder_page_refusing(request, session, principal, survey, error)
    service.update_survey(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey.id,
        changes=changes,
        actor=principal.actor,
    )
    flash(request, N_("Survey status changed."))
    return RedirectResponse(f"/surveys/{survey.id}", status_code=303)


def _apply_questions(
    request: Request,
    session: DbSession,
    principal: Principal,
    survey: Survey,
    documents: list[Any],
    message: str,
) -> Response:
    try:
        questions = [
            d if isinstance(d, QuestionIn) else QuestionIn.model_validate(d) for d in documents
        ]
        service.change_questions(
            session,
            workspace_id=principal.workspace_id,
            survey_id=survey.id,
            questions=questions,
            actor=principal.actor,
        )
    except (ValidationError, NabdError) as error:
        return _builder_page_refusing(request, session, principal, survey, error)
    flash(request, message)
    return RedirectResponse(f"/surveys/{survey.id}#questions", status_code=303)


@router.post("/{survey_id}/questions")
def add_question(
    request: Request, session: DbSession, principal: WriteSurveys, survey_id: int, form: Form
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    earlier = {question.key: question for question in survey.questions}
    document = question_from_form(
        plain_fields(form), company=principal.workspace.name, earlier=earlier
    )
    existing = [service.question_in(question) for question in survey.questions]
    return _apply_questions(
        request, session, principal, survey, [*existing, document], N_("Question added.")
    )


@router.post("/{survey_id}/questions/{question_id}")
def edit_question(
    request: Request,
    session: DbSession,
    principal: WriteSurveys,
    survey_id: int,
    question_id: int,
    form: Form,
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    target = service.get_question(survey, question_id=question_id)
    documents: list[Any] = []
    earlier: dict[str, Any] = {}
    for question in survey.questions:
        if question.id == target.id:
            documents.append(
                question_from_form(
                    {**plain_fields(form), "type": question.type},
                    company=principal.workspace.name,
                    earlier=earlier,
                    key=question.key,
                )
            )
        else:
            documents.append(service.question_in(question))
        earlier[question.key] = question
    return _apply_questions(request, session, principal, survey, documents, N_("Question saved."))


@router.post("/{survey_id}/questions/{question_id}/move")
def move_question(
    request: Request,
    session: DbSession,
    principal: WriteSurveys,
    survey_id: int,
    question_id: int,
    form: Form,
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    target = service.get_question(survey, question_id=question_id)
    ordered = list(survey.questions)
    index = ordered.index(target)
    other = index - 1 if plain_fields(form).get("direction") == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    documents = [service.question_in(question) for question in ordered]
    return _apply_questions(request, session, principal, survey, documents, N_("Question moved."))


@router.post("/{survey_id}/questions/{question_id}/delete")
def delete_question(
    request: Request, session: DbSession, principal: WriteSurveys, survey_id: int, question_id: int
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    target = service.get_question(survey, question_id=question_id)
    documents = [service.question_in(q) for q in survey.questions if q.id != target.id]
    return _apply_questions(request, session, principal, survey, documents, N_("Question removed."))


@router.post("/{survey_id}/links")
def create_link(
    request: Request, session: DbSession, principal: WriteSurveys, survey_id: int, form: Form
) -> Response:
    language = plain_fields(form).get("language") or None
    link = respondent.create_link(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey_id,
        data=LinkIn(language="ar" if language == "ar" else "en" if language == "en" else None),
        actor=principal.actor,
    )
    flash(request, N_("Link created: %(path)s"), path=f"/s/{link.token}")
    return RedirectResponse(f"/surveys/{survey_id}#links", status_code=303)
