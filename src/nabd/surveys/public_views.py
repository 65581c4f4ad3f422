"""The respondent's page `/s/{token}`: public, works without JavaScript, in Arabic or English.

Each page of answers is saved when submitted (partial responses count). A personal link is
answered once; an anonymous link starts a new response per visitor, rate-limited per address.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from nabd.api.access import check_csrf, public
from nabd.api.database import DbSession
from nabd.core.i18n import N_, Locale, coerce_locale, direction, gettext, negotiate_accept_language
from nabd.core.types import utcnow
from nabd.surveys import invitations, respondent
from nabd.surveys.forms import submitted_form
from nabd.surveys.models import Survey, SurveyDistribution, SurveyResponse
from nabd.surveys.questions import AnswerInvalid, QuestionSpec, from_text, normalise_answer
from nabd.surveys.service import specs_of
from nabd.web.pages import render_page
from nabd.workspaces import service as workspaces

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
SESSION_KEY = "survey_responses"
REQUIRED = N_("This question is required.")
# The web widget's strings (static/widget.js asks for them in the page's language).
WIDGET_TEXT = {
    "button": N_("Your opinion"),
    "prompt": N_("Do you have a minute to tell us about your experience?"),
    "start": N_("Start the survey"),
    "close": N_("Close"),
}


def _language(
    request: Request, link: SurveyDistribution, fallback: str, form: Any = None
) -> Locale:
    """?lang= (the switch), then the form, the invitation, the browser, the workspace."""
    return (
        coerce_locale(request.query_params.get("lang"))
        or coerce_locale(form.get("lang") if form is not None else None)
        or coerce_locale(link.language)
        or negotiate_accept_language(request.headers.get("accept-language"))
        or coerce_locale(fallback)
        or "ar"
    )


def _render(
    request: Request,
    template: str,
    language: Locale,
    context: dict[str, Any],
    *,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        template,
        {**context, "locale": language, "direction": direction(language)},
        status_code=status_code,
    )


def _current_response(
    request: Request, session: DbSession, link: SurveyDistribution
) -> SurveyResponse | None:
    if link.is_personal:
        return respondent.personal_response(session, link)
    response_id = request.session.get(SESSION_KEY, {}).get(link.token)
    if not isinstance(response_id, int):
        return None
    response = respondent.find_response(session, link=link, response_id=response_id)
    return None if response is None or response.completed else response


def _remember(request: Request, link: SurveyDistribution, response: SurveyResponse) -> None:
    if link.is_personal:
        return
    remembered = dict(request.session.get(SESSION_KEY, {}))
    if response.completed:
        remembered.pop(link.token, None)
    else:
        remembered[link.token] = response.id
    request.session[SESSION_KEY] = remembered


def _page_context(
    survey: Survey, link: SurveyDistribution, page: list[QuestionSpec], **extra: Any
) -> dict[str, Any]:
    questions = {question.id: question for question in survey.questions}
    return {
        "survey": survey,
        "token": link.token,
        "page": [questions[spec.id] for spec in page],
        "values": {},
        "errors": {},
        **extra,
    }


def _blocked(
    request: Request, survey: Survey, language: Locale, response: SurveyResponse | None, link: Any
) -> Response | None:
    """The closed or already-answered page, when the survey cannot be answered here."""
    if survey.status != "active":
        message = N_("This survey is not open for answers.")
        return _render(
            request, "surveys/respond_closed.html", language, {"message": message}, status_code=410
        )
    if link.is_personal and response is not None and response.completed:
        message = N_("You have already answered this survey. Thank you!")
        return _render(
            request, "surveys/respond_closed.html", language, {"message": message}, status_code=409
        )
    return None


@router.get("/s/{token}", dependencies=[Depends(public)])
def respond_form(request: Request, session: DbSession, token: str) -> Response:
    link, survey = respondent.find_link(session, token=token)
    workspace = workspaces.get_workspace(session, workspace_id=link.workspace_id)
    language = _language(request, link, workspace.default_language)
    response = _current_response(request, session, link)
    blocked = _blocked(request, survey, language, response, link)
    if blocked is not None:
        return blocked
    if link.is_personal:
        invitations.mark_opened(session, link=link, now=utcnow())
    done = set(response.progress) if response else set()
    page = respondent.next_page(specs_of(survey), respondent.answers_by_key(survey, response), done)
    if not page:
        return _render(request, "surveys/respond_thanks.html", language, {"survey": survey})
    return _render(request, "surveys/respond.html", language, _page_context(survey, link, page))


def _read_answer(spec: QuestionSpec, form: FormData) -> Any:
    field = f"q{spec.id}"
    if spec.type == "multiple_choice":
        return [str(value) for value in form.getlist(field)]
    if spec.type == "matrix":
        return {
            row: from_text(QuestionSpec(0, "", "rating"), str(form.get(f"{field}.{row}", "")))
            for row in spec.row_keys
        }
    return from_text(spec, str(form.get(field, "")))


def _checked_page(
    page: list[QuestionSpec], form: FormData, language: Locale
) -> tuple[dict[int, Any], dict[int, str], dict[int, Any]]:
    """(answers, error per question in the respondent's language, raw values to re-show)."""
    values: dict[int, Any] = {}
    errors: dict[int, str] = {}
    raw: dict[int, Any] = {}
    for spec in page:
        submitted = _read_answer(spec, form)
        raw[spec.id] = submitted
        if spec.type == "matrix":
            submitted = {row: score for row, score in submitted.items() if score is not None}
        try:
            value = normalise_answer(spec, submitted or None)
        except AnswerInvalid as error:
            text = gettext(language, error.reason)
            errors[spec.id] = text % error.params if error.params else text
            continue
        if value is None and spec.required:
            errors[spec.id] = gettext(language, REQUIRED)
        elif value is not None:
            values[spec.id] = value
    return values, errors, raw


@router.post("/s/{token}", dependencies=[Depends(public)])
def respond(
    request: Request,
    session: DbSession,
    token: str,
    form: Annotated[FormData, Depends(submitted_form)],
) -> Response:
    link, survey = respondent.find_link(session, token=token)
    workspace = workspaces.get_workspace(session, workspace_id=link.workspace_id)
    language = _language(request, link, workspace.default_language, form)
    response = _current_response(request, session, link)
    blocked = _blocked(request, survey, language, response, link)
    if blocked is not None:
        return blocked
    specs = specs_of(survey)
    done = set(response.progress) if response else set()
    page = respondent.next_page(specs, respondent.answers_by_key(survey, response), done)
    values, errors, raw = _checked_page(page, form, language)
    if errors:
        context = _page_context(survey, link, page, values=raw, errors=errors)
        return _render(request, "surveys/respond.html", language, context, status_code=422)
    if response is None and not link.is_personal and not _within_rate_limit(request, link):
        message = N_("Too many answers from your network. Please try again later.")
        return _render(
            request, "surveys/respond_closed.html", language, {"message": message}, status_code=429
        )
    response = respondent.save_page(
        session,
        survey=survey,
        link=link,
        response=response,
        values=values,
        shown=[spec.id for spec in page],
        language=language,
    )
    _remember(request, link, response)
    if response.completed:
        return _render(request, "surveys/respond_thanks.html", language, {"survey": survey})
    return RedirectResponse(f"/s/{token}?lang={language}", status_code=303)


def _within_rate_limit(request: Request, link: SurveyDistribution) -> bool:
    settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    return bool(
        request.app.state.rate_limiter.hit(
            settings.survey_rate_limit, "survey-response", link.token, client
        )
    )


@router.get("/s/{token}/widget.json", dependencies=[Depends(public)])
def widget_text(request: Request, session: DbSession, token: str) -> Response:
    """The widget's strings from the catalogue, for a link whose survey is open.

    Read by the widget from the company's own site, so any origin may read it (no cookies
    are involved); rate-limited per address like the public collection endpoint.
    """
    settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    cors = {"Access-Control-Allow-Origin": "*"}
    language = coerce_locale(request.query_params.get("lang")) or "ar"
    if not request.app.state.rate_limiter.hit(settings.collect_rate_limit, "survey-widget", client):
        message = gettext(language, N_("Too many requests. Wait a minute and try again."))
        return JSONResponse({"detail": message}, status_code=429, headers=cors)
    _link, survey = respondent.find_link(session, token=token)
    if survey.status != "active":
        return JSONResponse({"open": False}, headers=cors)
    text = {name: gettext(language, message) for name, message in WIDGET_TEXT.items()}
    return JSONResponse(
        {"open": True, "lang": language, "dir": direction(language), "text": text},
        headers={**cors, "Cache-Control": "public, max-age=300"},
    )
