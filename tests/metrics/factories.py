"""A CX survey (NPS, CSAT, CES, text), channels and a touchpoint, for the metrics tests."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.journeys import service as journeys
from nabd.surveys import service
from nabd.surveys.models import Survey
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn, SurveyIn
from nabd.workspaces.models import Workspace

CHANNELS = ("web", "app")
TOUCHPOINT = "web_checkout"


def _question(key: str, kind: str) -> dict[str, Any]:
    return {"key": key, "type": kind, "text": {"ar": f"سؤال {key}", "en": f"Question {key}"}}


CX_SURVEY: dict[str, Any] = {
    "title": {"ar": "تجربة العملاء", "en": "Customer experience"},
    "status": "active",
    "touchpoint_key": TOUCHPOINT,
    "questions": [
        _question("nps", "nps"),
        _question("csat", "csat"),
        _question("ces", "ces"),
        _question("comment", "text"),
    ],
}


def make_cx_survey(session: Session, workspace: Workspace) -> Survey:
    """The survey, on the `web_checkout` touchpoint, with the `web` and `app` channels."""
    channels = {
        key: journeys.ensure_channel(
            session, workspace_id=workspace.id, key=key, name_ar=key, name_en=key
        )
        for key in CHANNELS
    }
    journeys.ensure_touchpoint(
        session,
        workspace_id=workspace.id,
        key=TOUCHPOINT,
        name_ar="إتمام الشراء",
        name_en="Checkout",
        channel=channels["web"],
    )
    survey = service.create_survey(
        session,
        workspace_id=workspace.id,
        data=SurveyIn.model_validate(CX_SURVEY),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return survey


def answer(
    session: Session,
    survey: Survey,
    *,
    at: datetime,
    scores: dict[str, int],
    channel: str | None = None,
    language: str = "ar",
    email: str | None = None,
    comment: str | None = None,
) -> int:
    """Record one response through the service; returns its id."""
    ids = {question.key: question.id for question in survey.questions}
    answers: list[dict[str, Any]] = [
        {"question_id": ids[key], "value": value} for key, value in scores.items()
    ]
    if comment:
        answers.append({"question_id": ids["comment"], "value": comment})
    response, _ = record_response(
        session,
        survey=survey,
        data=ResponseIn.model_validate(
            {
                "answers": answers,
                "channel": channel,
                "language": language,
                "submitted_at": at,
                "customer": {"email": email} if email else None,
            }
        ),
        default_language="ar",
    )
    return response.id
