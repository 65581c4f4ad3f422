"""Surveys built through the service, committed, for the survey tests."""

from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.surveys import respondent, service
from nabd.surveys.models import Survey, SurveyDistribution
from nabd.surveys.schemas import LinkIn, SurveyIn
from nabd.workspaces.models import Workspace

NPS_SURVEY: dict[str, Any] = {
    "title": {"ar": "استبيان ما بعد الشراء", "en": "Post-purchase survey"},
    "status": "active",
    "thank_you": {"ar": "شكرًا لك!", "en": "Thank you!"},
    "questions": [
        {
            "key": "nps",
            "type": "nps",
            "required": True,
            "text": {
                "ar": "ما مدى احتمال أن توصي بنا؟",
                "en": "How likely are you to recommend us?",
            },
        },
        {
            "key": "what_went_wrong",
            "type": "text",
            "text": {"ar": "ما الذي لم يعجبك؟", "en": "What went wrong?"},
            "condition": {"question": "nps", "op": "lte", "value": 6},
            "max_length": 500,
        },
        {
            "key": "what_you_liked",
            "type": "text",
            "text": {"ar": "ما الذي أعجبك؟", "en": "What did you like?"},
            "condition": {"question": "nps", "op": "gte", "value": 7},
        },
        {
            "key": "channel_used",
            "type": "single_choice",
            "text": {"ar": "كيف اشتريت؟", "en": "How did you buy?"},
            "options": [
                {"key": "web", "ar": "الموقع", "en": "Website"},
                {"key": "store", "ar": "الفرع", "en": "Store"},
            ],
        },
        {
            "key": "csat",
            "type": "csat",
            "text": {"ar": "ما مدى رضاك؟", "en": "How satisfied are you?"},
        },
    ],
}


def make_survey(
    session: Session, workspace: Workspace, definition: dict[str, Any] | None = None
) -> Survey:
    survey = service.create_survey(
        session,
        workspace_id=workspace.id,
        data=SurveyIn.model_validate(definition or NPS_SURVEY),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return survey


def make_link(
    session: Session, survey: Survey, *, email: str | None = None, language: str | None = None
) -> SurveyDistribution:
    link = respondent.create_link(
        session,
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        data=LinkIn.model_validate(
            {"customer": {"email": email} if email else None, "language": language}
        ),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return link


def question_ids(survey: Survey) -> dict[str, int]:
    return {question.key: question.id for question in survey.questions}
