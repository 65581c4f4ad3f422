"""A real survey and question of another workspace, for the cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace
from tests.surveys.factories import make_survey


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    survey = make_survey(session, workspace)
    return {"survey_id": survey.id, "question_id": survey.questions[0].id}
