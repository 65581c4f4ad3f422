"""A real goal of another workspace, for the cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_member
from tests.goals.factories import make_goal


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    owner = make_member(
        session, workspace, Role.ANALYST, email=f"goal-owner@{workspace.slug}.example"
    )
    return {"goal_id": make_goal(session, workspace, owner_id=owner.user_id).id}
