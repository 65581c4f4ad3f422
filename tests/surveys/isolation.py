"""A real survey, question, link and trigger of another workspace, for the cross-workspace
route test."""

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.surveys.distribution_schemas import TriggerIn
from nabd.surveys.triggers import create_trigger
from nabd.workspaces.models import Workspace
from tests.surveys.factories import make_link, make_survey


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    survey = make_survey(session, workspace)
    link = make_link(session, survey)
    trigger = create_trigger(
        session,
        workspace_id=workspace.id,
        survey_id=survey.id,
        data=TriggerIn(event_type="order_delivered", channel="email"),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return {
        "survey_id": survey.id,
        "question_id": survey.questions[0].id,
        "link_id": link.id,
        "trigger_id": trigger.id,
    }
