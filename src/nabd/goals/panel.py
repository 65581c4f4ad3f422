"""The compact goals panel other pages (the overview) include.

Usage from a view: `{"goals_panel": goals_panel(session, principal=principal,
settings=request.app.state.settings)}` in the page context, and
`{% include "goals/_panel.html" %}` in the template.
"""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from nabd.api.access import Principal
from nabd.config import Settings
from nabd.goals import progress, service
from nabd.goals.models import Goal
from nabd.goals.progress import GoalProgress
from nabd.workspaces.roles import Permission

PANEL_SIZE = 5


@dataclass(frozen=True)
class GoalsPanel:
    goals: list[tuple[Goal, GoalProgress, float]]  # goal, where it stands, its target
    more: int  # active goals left out of the panel


def goals_panel(
    session: Session, *, principal: Principal, settings: Settings | None = None
) -> GoalsPanel | None:
    """The active goals ending soonest; None when the principal may not read goals."""
    if not principal.can(Permission.GOALS_READ):
        return None
    goals = service.active_goals(session, workspace_id=principal.workspace_id)
    today = progress.today()
    shown = [
        (
            goal,
            progress.evaluate(session, goal=goal, today=today, settings=settings),
            progress.target_of(goal),
        )
        for goal in goals[:PANEL_SIZE]
    ]
    return GoalsPanel(goals=shown, more=max(0, len(goals) - PANEL_SIZE))
