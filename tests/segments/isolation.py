"""A real segment of another workspace, for the cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace
from tests.segments.factories import RIYADH, make_segment


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    return {"segment_id": make_segment(session, workspace, RIYADH).id}
