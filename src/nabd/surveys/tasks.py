"""The background job of survey distribution: scan the triggers, then send what is due.

One periodic task (every minute) rather than two, so invitations a scan makes due go out in
the same run. It keeps all its state in the database (watermarks on the triggers, statuses on
the invitations), so a restarted worker carries on where it stopped; claiming each invitation
before sending keeps two workers from sending the same one.
"""

from huey import crontab

from nabd.core.types import utcnow
from nabd.jobs.context import job_transaction
from nabd.jobs.queue import configured_settings, huey
from nabd.surveys import delivery, triggers


@huey.periodic_task(crontab(minute="*"))
def distribute_survey_invitations() -> dict[str, int]:
    """Schedule invitations for newly arrived events, then send due invitations and reminders."""
    settings = configured_settings()
    scheduled = triggers.scan_all(job_transaction, now=utcnow())
    report = delivery.send_due(
        job_transaction,
        now=utcnow(),
        secret_key=settings.resolved_secret_key,
        public_url=settings.resolved_public_url,
    )
    return {
        "scheduled": scheduled,
        "sent": report.sent,
        "failed": report.failed,
        "skipped": report.skipped,
        "reminders": report.reminders,
    }
