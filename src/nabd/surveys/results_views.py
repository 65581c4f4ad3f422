"""Results of a survey (filters by date, channel, language, touchpoint) and response exports."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.spreadsheets import XLSX_TYPE
from nabd.journeys.service import list_channels
from nabd.surveys import exports, invitations, results, service
from nabd.surveys.models import Survey
from nabd.surveys.responses import ResponseFilters
from nabd.web.pages import render_page
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/surveys", dependencies=[Depends(check_csrf)], include_in_schema=False)

ReadSurveys = Annotated[Principal, Depends(require(Permission.SURVEYS_READ))]


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filters_from(request: Request) -> ResponseFilters:
    """Filters from the query string; `to` is a whole day, so it is inclusive."""
    params = request.query_params
    since, until = _day(params.get("from")), _day(params.get("to"))
    language = params.get("language")
    return ResponseFilters(
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
        channel_id=_int(params.get("channel")),
        language=language if language in ("ar", "en") else None,
        touchpoint_id=_int(params.get("touchpoint")),
    )


def _chart_data(summary: results.SurveyResults) -> dict[str, object]:
    return {
        "months": [month for month, _ in summary.by_month],
        "counts": [count for _, count in summary.by_month],
    }


@router.get("/{survey_id}/results")
def survey_results(
    request: Request, session: DbSession, principal: ReadSurveys, survey_id: int
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    filters = filters_from(request)
    summary = results.survey_results(session, survey=survey, filters=filters)
    return render_page(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "results": summary,
            "chart": _chart_data(summary),
            "channel_rates": invitations.response_rate_by_channel(
                session,
                workspace_id=principal.workspace_id,
                survey_id=survey.id,
                start=filters.since,
                end=filters.until,
            ),
            "questions": {question.id: question for question in survey.questions},
            "channels": list_channels(session, workspace_id=principal.workspace_id),
            "touchpoints": service.list_touchpoints(session, workspace_id=principal.workspace_id),
            "params": request.query_params,
        },
    )


def _download(content: bytes, media_type: str, survey: Survey, extension: str) -> Response:
    filename = f"survey-{survey.id}-responses.{extension}"
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/{survey_id}/export.csv")
def export_csv(
    request: Request, session: DbSession, principal: ReadSurveys, survey_id: int
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    content = exports.to_csv(session, survey=survey, filters=filters_from(request))
    return _download(content, "text/csv; charset=utf-8", survey, "csv")


@router.get("/{survey_id}/export.xlsx")
def export_xlsx(
    request: Request, session: DbSession, principal: ReadSurveys, survey_id: int
) -> Response:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    content = exports.to_xlsx(session, survey=survey, filters=filters_from(request))
    media_type = XLSX_TYPE
    return _download(content, media_type, survey, "xlsx")


@router.get("/{survey_id}/definition.json")
def export_definition(session: DbSession, principal: ReadSurveys, survey_id: int) -> Response:
    """The definition as a JSON file, to import into another workspace."""
    survey = service.get_survey(session, workspace_id=principal.workspace_id, survey_id=survey_id)
    return JSONResponse(
        service.export_definition(session, survey),
        headers={"Content-Disposition": f'attachment; filename="survey-{survey.id}.json"'},
    )
