"""Hourly goal check: each status change is recorded once and its owner notified.

The periodic task only lists the workspaces with running goals and enqueues one check each,
so a slow workspace never holds up the others and a failed check retries on its own. E-mails
are enqueued after the check's transaction commits, one task each, so a rolled-back check
sends nothing and a failing SMTP server retries only its own message.
"""

from huey import crontab

from nabd.goals import emails, notifications, progress
from nabd.jobs.context import job_transaction
from nabd.jobs.queue import configured_settings, huey
from nabd.surveys.smtp import send_email


@huey.task(retries=3, retry_delay=60)
def check_workspace_goals(workspace_id: int) -> int:
    """Evaluate one workspace's goals; returns how many notifications were recorded."""
    with job_transaction() as session:
        recorded = notifications.check_goals(
            session,
            workspace_id=workspace_id,
            today=progress.today(),
            settings=configured_settings(),
        )
        notification_ids = [notification.id for notification in recorded]
    for notification_id in notification_ids:
        email_goal_notification(workspace_id, notification_id)
    return len(notification_ids)


@huey.task(retries=3, retry_delay=300)
def email_goal_notification(workspace_id: int, notification_id: int) -> bool:
    """Send one notification to its owner; False when there is nothing to send (no SMTP)."""
    settings = configured_settings()
    with job_transaction() as session:
        outgoing = emails.prepare(
            session,
            workspace_id=workspace_id,
            notification_id=notification_id,
            secret_key=settings.resolved_secret_key,
            public_url=settings.resolved_public_url,
        )
        if outgoing is None:
            return False
        # An SMTP failure raises, rolls the transaction back and leaves the retry to Huey.
        send_email(outgoing.server, outgoing.message)
        emails.mark_sent(session, workspace_id=workspace_id, notification_id=notification_id)
    return True


@huey.periodic_task(crontab(minute="23"))
def check_goals_hourly() -> list[int]:
    with job_transaction() as session:
        workspace_ids = notifications.workspaces_with_goals(session, today=progress.today())
    for workspace_id in workspace_ids:
        check_workspace_goals(workspace_id)
    return workspace_ids
