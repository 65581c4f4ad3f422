"""A real, annotated feedback item of another workspace, for the cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.text.annotations_service import annotate_items
from nabd.workspaces.models import Workspace
from tests.feedback.factories import add_feedback


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    item = add_feedback(session, workspace, "الموظف كان متعاونا", external_id="isolation")
    annotate_items(session, workspace_id=workspace.id, item_ids=[item.id])
    session.commit()
    return {"feedback_item_id": item.id}
