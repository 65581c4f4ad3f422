"""Owners hear about a status change once; the hourly job finds the goals to check."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.goals import notifications, progress, service
from nabd.goals.forecast import GoalStatus
from nabd.goals.models import GoalNotification
from nabd.jobs.registry import periodic_task_names
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace
from tests.goals.factories import FLAT, answer_weekly, make_goal, make_nps_survey, running_period


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(GoalNotification)) or 0


def test_each_change_is_recorded_once(session: Session) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    goal = make_goal(session, workspace, owner_id=owner.user_id)
    record = notifications.record_status
    assert record(session, goal=goal, status=GoalStatus.ON_TRACK) is None  # no news
    first = record(session, goal=goal, status=GoalStatus.AT_RISK)
    assert first is not None and first.user_id == owner.user_id
    assert (first.status, first.previous_status) == ("at_risk", "on_track")
    assert record(session, goal=goal, status=GoalStatus.AT_RISK) is None
    assert record(session, goal=goal, status=GoalStatus.ON_TRACK) is None
    assert record(session, goal=goal, status=GoalStatus.AT_RISK) is not None  # at risk again
    session.commit()
    assert _count(session) == 2


def test_the_check_notifies_the_owner_of_an_at_risk_goal_once(session: Session) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    survey = make_nps_survey(session, workspace)
    start, end = running_period()
    answer_weekly(session, survey, start=start, end=end, weeks=FLAT)
    goal = make_goal(session, workspace, owner_id=owner.user_id)
    today = progress.today()
    assert notifications.workspaces_with_goals(session, today=today) == [workspace.id]
    recorded = notifications.check_goals(session, workspace_id=workspace.id, today=today)
    assert [(n.goal_id, n.status) for n in recorded] == [(goal.id, "at_risk")]
    session.commit()
    assert notifications.check_goals(session, workspace_id=workspace.id, today=today) == []
    session.commit()
    unread = notifications.unread(session, workspace_id=workspace.id, user_id=owner.user_id)
    assert [notification.goal_id for notification in unread] == [goal.id]
    notifications.mark_all_read(session, workspace_id=workspace.id, user_id=owner.user_id)
    session.commit()
    assert notifications.unread(session, workspace_id=workspace.id, user_id=owner.user_id) == []


def test_goals_not_started_or_archived_are_not_checked(session: Session) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    today = progress.today()
    make_goal(
        session,
        workspace,
        owner_id=owner.user_id,
        start_date=today + timedelta(days=10),
        end_date=today + timedelta(days=100),
    )
    running = make_goal(session, workspace, owner_id=owner.user_id)
    service.archive_goal(session, workspace_id=workspace.id, goal_id=running.id, actor=SYSTEM_ACTOR)
    session.commit()
    assert notifications.workspaces_with_goals(session, today=today) == []


def test_the_hourly_check_is_scheduled() -> None:
    assert "nabd.goals.tasks.check_goals_hourly" in periodic_task_names()
