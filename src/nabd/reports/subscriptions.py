"""Scheduled e-mail reports: which period a subscription covers, when it is due, and its changes.

Periods are UTC calendar periods. A weekly report covers the last complete ISO week (Monday to
Sunday) and falls due on Monday; a monthly one covers the last complete month and falls due on
the 1st. A subscription is due while the last complete period is not the one it was last sent
for, so a job that misses Monday catches up later that week, and a new subscription (or a new
frequency) starts with the next period rather than mailing an old one at once.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.reports.overview import OverviewFilters
from nabd.reports.subscriptions_models import ReportSubscription
from nabd.workspaces.models import Membership


class Frequency(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return FREQUENCY_LABELS[self]


FREQUENCY_LABELS = {Frequency.WEEKLY: N_("Weekly"), Frequency.MONTHLY: N_("Monthly")}


@dataclass(frozen=True)
class ReportPeriod:
    """The days a report covers (both included) and the key recorded once it is sent."""

    key: str
    start: date
    end: date

    def filters(self, channel: str | None) -> OverviewFilters:
        return OverviewFilters(start=self.start, end=self.end, channel=channel)


def last_complete_period(frequency: Frequency, today: date) -> ReportPeriod:
    """The latest whole week (Monday–Sunday) or month that ended before `today`."""
    if frequency is Frequency.WEEKLY:
        start = today - timedelta(days=today.weekday() + 7)
        year, week, _ = start.isocalendar()
        return ReportPeriod(f"{year}-W{week:02d}", start, start + timedelta(days=6))
    end = today.replace(day=1) - timedelta(days=1)
    return ReportPeriod(f"{end.year}-{end.month:02d}", end.replace(day=1), end)


def due_period(subscription: ReportSubscription, today: date) -> ReportPeriod | None:
    """The period to send now, or None when its report has already gone out."""
    period = last_complete_period(Frequency(subscription.frequency), today)
    return None if subscription.last_sent_period == period.key else period


def get_subscription(
    session: Session, *, workspace_id: int, user_id: int
) -> ReportSubscription | None:
    return session.scalar(
        select(ReportSubscription).where(
            ReportSubscription.workspace_id == workspace_id,
            ReportSubscription.user_id == user_id,
        )
    )


def save_subscription(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    frequency: Frequency,
    language: str,
    channel: str | None,
    actor: Actor,
    today: date,
) -> ReportSubscription:
    """Create or change the user's subscription; the first report is the next period's."""
    subscription = get_subscription(session, workspace_id=workspace_id, user_id=user_id)
    action = "report_subscription.update"
    if subscription is None:
        action = "report_subscription.create"
        subscription = ReportSubscription(workspace_id=workspace_id, user_id=user_id)
        session.add(subscription)
    if subscription.frequency != frequency.value:
        subscription.last_sent_period = last_complete_period(frequency, today).key
    subscription.frequency = frequency.value
    subscription.language = language
    subscription.channel = channel
    subscription.updated_at = utcnow()
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action=action,
        object_type="report_subscription",
        object_id=subscription.id,
        details={"frequency": frequency.value, "language": language, "channel": channel},
    )
    return subscription


def delete_subscription(session: Session, *, workspace_id: int, user_id: int, actor: Actor) -> bool:
    """Stop the user's reports; False when they had none."""
    subscription = get_subscription(session, workspace_id=workspace_id, user_id=user_id)
    if subscription is None:
        return False
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="report_subscription.delete",
        object_type="report_subscription",
        object_id=subscription.id,
    )
    session.delete(subscription)
    session.flush()
    return True


def due_subscription_ids(session: Session, *, today: date) -> list[int]:
    """Subscriptions of users still active in their workspace whose report is due today."""
    rows = session.scalars(
        select(ReportSubscription)
        .join(
            Membership,
            (Membership.workspace_id == ReportSubscription.workspace_id)
            & (Membership.user_id == ReportSubscription.user_id),
        )
        .where(Membership.is_active.is_(True))
        .order_by(ReportSubscription.id)
    )
    return [row.id for row in rows if due_period(row, today) is not None]
