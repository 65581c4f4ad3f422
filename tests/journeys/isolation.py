"""A real journey of another workspace, for the cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace
from tests.journeys.factories import make_journey, make_touchpoints


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    make_touchpoints(session, workspace, ["isolation_point"])
    journey = make_journey(session, workspace, [("Only", ["isolation_point"])])
    return {"journey_id": journey.id}
