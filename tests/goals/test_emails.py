"""An owner is e-mailed once per notification, in their language, when the workspace has SMTP."""

from huey import Huey
from sqlalchemy.orm import Session

from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.goals import notifications, progress
from nabd.goals.models import GoalNotification
from nabd.goals.tasks import check_workspace_goals, email_goal_notification
from nabd.surveys.delivery_settings import update_delivery_settings
from nabd.surveys.distribution_schemas import DeliverySettingsIn
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import Member, make_member, make_workspace
from tests.goals.factories import FLAT, answer_weekly, make_goal, make_nps_survey, running_period
from tests.jobs.fixtures import jobs_settings, queue
from tests.surveys.receivers import smtp_receiver

__all__ = ["jobs_settings", "queue"]


def _at_risk_goal(session: Session) -> tuple[Workspace, Member]:
    workspace = make_workspace(session, language="ar")
    owner = make_member(session, workspace, Role.ANALYST)
    survey = make_nps_survey(session, workspace)
    start, end = running_period()
    answer_weekly(session, survey, start=start, end=end, weeks=FLAT)
    make_goal(session, workspace, owner_id=owner.user_id, name="رفع NPS")
    return workspace, owner


def _notify(session: Session, workspace: Workspace) -> GoalNotification:
    (notification,) = notifications.check_goals(
        session, workspace_id=workspace.id, today=progress.today()
    )
    session.commit()
    return notification


def test_the_owner_is_emailed_once(session: Session, queue: Huey, jobs_settings: Settings) -> None:
    workspace, owner = _at_risk_goal(session)
    notification = _notify(session, workspace)
    with smtp_receiver(username="mailer", password="s3cret-Pass") as smtp:
        update_delivery_settings(
            session,
            workspace_id=workspace.id,
            data=DeliverySettingsIn(
                smtp_host="127.0.0.1",
                smtp_port=smtp.port,
                smtp_security="none",
                smtp_username="mailer",
                smtp_password="s3cret-Pass",
                smtp_from="nabd@acme.example",
            ),
            secret_key=jobs_settings.resolved_secret_key,
            actor=SYSTEM_ACTOR,
        )
        session.commit()
        assert email_goal_notification.call_local(workspace.id, notification.id) is True
        assert email_goal_notification.call_local(workspace.id, notification.id) is False
    (message,) = smtp.messages
    assert message["To"] == owner.email
    assert message["Subject"] == "الهدف «رفع NPS»: في خطر"
    assert f"/goals/{notification.goal_id}" in message.get_content()
    session.refresh(notification)
    assert notification.emailed_at is not None


def test_without_smtp_notifications_stay_in_the_app(session: Session, queue: Huey) -> None:
    workspace, _ = _at_risk_goal(session)
    notification = _notify(session, workspace)
    assert email_goal_notification.call_local(workspace.id, notification.id) is False
    session.refresh(notification)
    assert notification.emailed_at is None


def test_the_check_enqueues_one_email_per_notification_after_commit(
    session: Session, queue: Huey
) -> None:
    workspace, _ = _at_risk_goal(session)
    assert check_workspace_goals.call_local(workspace.id) == 1
    assert queue.pending_count() == 1
    assert check_workspace_goals.call_local(workspace.id) == 0  # same status: nothing new
    assert queue.pending_count() == 1
