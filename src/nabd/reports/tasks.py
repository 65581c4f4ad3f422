"""Hourly check for due scheduled reports; each is sent in a task of its own, once per period.

The periodic task only lists the due subscriptions and enqueues one send each, so one slow
PDF or failing mailbox never holds up the others. A send records the period in the same
transaction that sends the e-mail: an SMTP failure rolls it back and Huey retries, and a
second task for the same period finds it already recorded and sends nothing.
"""

from datetime import UTC, datetime

from huey import crontab

from nabd.jobs.context import job_transaction
from nabd.jobs.queue import configured_settings, huey
from nabd.reports import report_emails, subscriptions
from nabd.surveys.smtp import send_email


@huey.task(retries=3, retry_delay=300)
def send_report(subscription_id: int) -> bool:
    """Send the subscription's due report; False when there is nothing to send."""
    settings = configured_settings()
    now = datetime.now(UTC)
    with job_transaction() as session:
        prepared = report_emails.prepare(
            session,
            subscription_id=subscription_id,
            today=now.date(),
            now=now,
            secret_key=settings.resolved_secret_key,
            public_url=settings.resolved_public_url,
        )
        if prepared is None:
            return False
        send_email(prepared.email.server, prepared.email.message)
        report_emails.mark_sent(session, subscription_id=subscription_id, period=prepared.period)
    return True


@huey.periodic_task(crontab(minute="41"))
def send_due_reports_hourly() -> list[int]:
    with job_transaction() as session:
        due = subscriptions.due_subscription_ids(session, today=datetime.now(UTC).date())
    for subscription_id in due:
        send_report(subscription_id)
    return due
