"""A workspace with an NPS survey, weekly answers and goals, built through the services."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.goals import forecast, progress, service
from nabd.goals.models import Goal
from nabd.goals.schemas import GoalIn
from nabd.journeys import service as journeys
from nabd.surveys import service as surveys
from nabd.surveys.models import Survey
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn, SurveyIn
from nabd.workspaces.models import Workspace

NPS_SURVEY: dict[str, Any] = {
    "title": {"ar": "رضا العملاء", "en": "Customer loyalty"},
    "status": "active",
    "questions": [
        {"key": "nps", "type": "nps", "text": {"ar": "هل توصي بنا؟", "en": "Recommend us?"}}
    ],
}
# NPS per week rises by 40 points: −60, −20, 20, 60 …
RISING = [[10] * (week + 1) + [0] * (4 - week) for week in range(5)]
FLAT = [[10, 0]] * 5


def running_period(today: date | None = None) -> tuple[date, date]:
    """About five weeks behind today and four ahead: four or five weeks already complete."""
    today = today or progress.today()
    return today - timedelta(days=35), today + timedelta(days=28)


def make_nps_survey(session: Session, workspace: Workspace) -> Survey:
    """The survey, plus an `app` channel whose answers a goal can be scoped to."""
    journeys.ensure_channel(
        session, workspace_id=workspace.id, key="app", name_ar="التطبيق", name_en="App"
    )
    survey = surveys.create_survey(
        session,
        workspace_id=workspace.id,
        data=SurveyIn.model_validate(NPS_SURVEY),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return survey


def answer(
    session: Session, survey: Survey, *, day: date, score: int, channel: str = "app"
) -> None:
    record_response(
        session,
        survey=survey,
        data=ResponseIn.model_validate(
            {
                "answers": [{"question_id": survey.questions[0].id, "value": score}],
                "channel": channel,
                "language": "ar",
                "submitted_at": datetime.combine(day, time(12), tzinfo=UTC),
            }
        ),
        default_language="ar",
    )


def answer_weekly(
    session: Session, survey: Survey, *, start: date, end: date, weeks: list[list[int]]
) -> None:
    """The scores of `weeks[i]` on the first day of the i-th completed week of the period."""
    completed = forecast.completed_buckets(start, end, today=progress.today())
    for bucket, scores in zip(completed, weeks, strict=False):
        for score in scores:
            answer(session, survey, day=bucket.start, score=score)
    session.commit()


def make_goal(session: Session, workspace: Workspace, *, owner_id: int, **fields: Any) -> Goal:
    start, end = running_period()
    data = {
        "name": "رفع NPS",
        "metric": "nps",
        "baseline": 0,
        "target_kind": "value",
        "target_amount": 30,
        "start_date": start,
        "end_date": end,
        "owner_id": owner_id,
        **fields,
    }
    goal = service.create_goal(
        session, workspace_id=workspace.id, data=GoalIn.model_validate(data), actor=SYSTEM_ACTOR
    )
    session.commit()
    return goal
