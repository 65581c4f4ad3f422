"""Telling a goal's owner when its status turns: once per change, never again for the same status.

nabd has no outgoing e-mail yet, so a notification is a row the goals page shows to its
owner; when SMTP settings arrive, the job that records a notification can send it too.
"""

from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nabd.config import Settings
from nabd.core.types import utcnow
from nabd.goals import progress
from nabd.goals.forecast import GoalStatus
from nabd.goals.models import Goal, GoalNotification

# Changes an owner should hear about; a first "on track" or "not enough data" is no news.
NOTIFY_ON = frozenset({GoalStatus.AT_RISK, GoalStatus.ACHIEVED, GoalStatus.MISSED})


def record_status(session: Session, *, goal: Goal, status: GoalStatus) -> GoalNotification | None:
    """Remember `status` as the goal's latest; notify its owner when it is news to them."""
    previous = goal.notified_status
    if previous == status.value:
        return None
    goal.notified_status = status.value
    if status not in NOTIFY_ON or goal.owner_id is None:
        return None
    notification = GoalNotification(
        workspace_id=goal.workspace_id,
        goal_id=goal.id,
        user_id=goal.owner_id,
        status=status.value,
        previous_status=previous,
    )
    session.add(notification)
    session.flush()
    return notification


def check_goals(
    session: Session, *, workspace_id: int, today: date, settings: Settings | None = None
) -> list[GoalNotification]:
    """Evaluate every running goal of the workspace and record what changed."""
    goals = session.scalars(
        select(Goal).where(
            Goal.workspace_id == workspace_id,
            Goal.archived_at.is_(None),
            Goal.start_date <= today,
        )
    )
    notifications = []
    for goal in goals:
        status = progress.evaluate(session, goal=goal, today=today, settings=settings).status
        notification = record_status(session, goal=goal, status=status)
        if notification is not None:
            notifications.append(notification)
    return notifications


def workspaces_with_goals(session: Session, *, today: date) -> list[int]:
    """Workspaces with a goal that has started and is not archived: the job's work list."""
    return list(
        session.scalars(
            select(Goal.workspace_id)
            .where(Goal.archived_at.is_(None), Goal.start_date <= today)
            .distinct()
            .order_by(Goal.workspace_id)
        )
    )


def unread(session: Session, *, workspace_id: int, user_id: int) -> list[GoalNotification]:
    return list(
        session.scalars(
            select(GoalNotification)
            .where(
                GoalNotification.workspace_id == workspace_id,
                GoalNotification.user_id == user_id,
                GoalNotification.read_at.is_(None),
            )
            .order_by(GoalNotification.id.desc())
        )
    )


def mark_all_read(session: Session, *, workspace_id: int, user_id: int) -> None:
    session.execute(
        update(GoalNotification)
        .where(
            GoalNotification.workspace_id == workspace_id,
            GoalNotification.user_id == user_id,
            GoalNotification.read_at.is_(None),
        )
        .values(read_at=utcnow())
    )
