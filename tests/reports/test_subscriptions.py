"""Scheduled reports: due once per UTC week or month, e-mailed once with the PDF, members only."""

from datetime import date, timedelta
from email.message import EmailMessage

import pytest
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry
from nabd.core.types import utcnow
from nabd.jobs.registry import periodic_task_names
from nabd.reports.subscriptions import (
    Frequency,
    due_period,
    due_subscription_ids,
    get_subscription,
    last_complete_period,
    save_subscription,
)
from nabd.reports.subscriptions_models import ReportSubscription
from nabd.reports.tasks import send_due_reports_hourly, send_report
from nabd.surveys.delivery_settings import update_delivery_settings
from nabd.surveys.distribution_schemas import DeliverySettingsIn
from nabd.workspaces.models import Membership, Workspace
from nabd.workspaces.roles import Role
from tests.factories import Member, make_member, make_workspace, page_csrf, sign_in
from tests.jobs.fixtures import jobs_settings, queue
from tests.metrics.factories import answer, make_cx_survey
from tests.surveys.receivers import smtp_receiver

__all__ = ["jobs_settings", "queue"]

MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("frequency", "today", "key", "start", "end"),
    [
        (Frequency.WEEKLY, MONDAY, "2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
        (Frequency.WEEKLY, date(2026, 11, 22), "2026-W46", date(2026, 11, 9), date(2026, 11, 15)),
        (Frequency.WEEKLY, date(2027, 1, 4), "2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
        (Frequency.MONTHLY, date(2026, 12, 1), "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        (Frequency.MONTHLY, date(2026, 11, 30), "2026-10", date(2026, 10, 1), date(2026, 10, 31)),
        (Frequency.MONTHLY, date(2027, 1, 1), "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    ],
)
def test_the_period_is_the_last_complete_utc_week_or_month(
    frequency: Frequency, today: date, key: str, start: date, end: date
) -> None:
    period = last_complete_period(frequency, today)
    assert (period.key, period.start, period.end) == (key, start, end)


def _subscribe(
    session: Session, member: Member, frequency: Frequency, today: date, language: str = "ar"
) -> ReportSubscription:
    membership = session.get(Membership, member.membership_id)
    assert membership is not None
    subscription = save_subscription(
        session,
        workspace_id=membership.workspace_id,
        user_id=member.user_id,
        frequency=frequency,
        language=language,
        channel=None,
        actor=SYSTEM_ACTOR,
        today=today,
    )
    session.commit()
    return subscription


def test_a_new_subscription_is_due_on_the_next_monday_or_first(session: Session) -> None:
    workspace = make_workspace(session)
    weekly = _subscribe(session, make_member(session, workspace), Frequency.WEEKLY, MONDAY)
    wednesday, next_monday = MONDAY + timedelta(days=2), MONDAY + timedelta(days=7)
    assert due_period(weekly, MONDAY) is None  # last week's report is not mailed on sign-up
    assert due_period(weekly, wednesday) is None
    period = due_period(weekly, next_monday)
    assert period is not None and period.key == "2026-W48"
    assert due_period(weekly, next_monday + timedelta(days=2)) == period  # a missed Monday
    monthly = _subscribe(
        session, make_member(session, workspace, Role.VIEWER), Frequency.MONTHLY, MONDAY
    )
    assert due_period(monthly, date(2026, 11, 30)) is None
    due = due_period(monthly, date(2026, 12, 1))
    assert due is not None and due.key == "2026-11"
    assert due_subscription_ids(session, today=wednesday) == []
    assert due_subscription_ids(session, today=date(2026, 12, 7)) == [weekly.id, monthly.id]
    weekly.last_sent_period = period.key
    assert due_period(weekly, next_monday + timedelta(days=6)) is None


def _configure_smtp(session: Session, workspace: Workspace, port: int, settings: Settings) -> None:
    update_delivery_settings(
        session,
        workspace_id=workspace.id,
        data=DeliverySettingsIn(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            smtp_username="mailer",
            smtp_password="s3cret-Pass",
            smtp_from="nabd@acme.example",
        ),
        secret_key=settings.resolved_secret_key,
        actor=SYSTEM_ACTOR,
    )
    session.commit()


def _due_now(session: Session, workspace: Workspace, member: Member) -> ReportSubscription:
    """A weekly subscription whose last report went out a week ago, so this week's is due."""
    today = utcnow().date()
    subscription = _subscribe(session, member, Frequency.WEEKLY, today)
    survey = make_cx_survey(session, workspace)
    period = last_complete_period(Frequency.WEEKLY, today)
    noon = utcnow().replace(hour=12, minute=0, second=0, microsecond=0)
    for nps, day in [(10, period.start), (9, period.start), (3, period.end)]:
        at = noon - timedelta(days=(today - day).days)
        answer(session, survey, at=at, scores={"nps": nps}, channel="web")
    subscription.last_sent_period = last_complete_period(Frequency.WEEKLY, period.start).key
    session.commit()
    return subscription


def test_the_report_is_emailed_once_with_the_pdf_in_the_users_language(
    session: Session, queue: Huey, jobs_settings: Settings
) -> None:
    workspace = make_workspace(session)
    workspace.name = "متجر <الرياض>"
    member = make_member(session, workspace, Role.VIEWER)
    subscription = _due_now(session, workspace, member)
    period = due_period(subscription, utcnow().date())
    assert period is not None
    with smtp_receiver(username="mailer", password="s3cret-Pass") as smtp:
        _configure_smtp(session, workspace, smtp.port, jobs_settings)
        assert "nabd.reports.tasks.send_due_reports_hourly" in periodic_task_names()
        assert send_due_reports_hourly.call_local() == [subscription.id]
        assert queue.pending_count() == 1
        assert send_report.call_local(subscription.id) is True
        assert send_report.call_local(subscription.id) is False  # the period is recorded
        assert send_due_reports_hourly.call_local() == []
    (message,) = smtp.messages
    assert message["To"] == member.email
    assert message["Subject"] == (
        f"تقرير تجربة العملاء الأسبوعي لـ متجر <الرياض>: من {period.start} إلى {period.end}"
    )
    assert message["Content-Language"] == "ar"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(plain, EmailMessage) and isinstance(html, EmailMessage)
    # 2 promoters, 1 detractor of 3: NPS 33.3, as on the overview for the same week.
    assert "صافي نقاط الترويج: 33.3 · ± " in plain.get_content()
    link = f"/?from={period.start}&to={period.end}"
    assert link in plain.get_content()
    assert "متجر &lt;الرياض&gt;" in html.get_content()  # customer-chosen text is escaped
    assert 'dir="rtl"' in html.get_content()
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"nabd-overview-{period.start}-{period.end}.pdf"
    assert attachment.get_content().startswith(b"%PDF-")
    session.refresh(subscription)
    assert subscription.last_sent_period == period.key


def test_an_english_subscription_gets_an_english_subject(
    session: Session, queue: Huey, jobs_settings: Settings
) -> None:
    workspace = make_workspace(session)
    subscription = _due_now(session, workspace, make_member(session, workspace))
    subscription.language = "en"
    session.commit()
    with smtp_receiver(username="mailer", password="s3cret-Pass") as smtp:
        _configure_smtp(session, workspace, smtp.port, jobs_settings)
        assert send_report.call_local(subscription.id) is True
    (message,) = smtp.messages
    assert message["Subject"].startswith("Weekly CX report for Workspace acme: ")
    assert "NPS: 33.3 · ± " in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_deactivated_member_gets_nothing(
    session: Session, queue: Huey, jobs_settings: Settings
) -> None:
    workspace = make_workspace(session)
    member = make_member(session, workspace, Role.VIEWER)
    subscription = _due_now(session, workspace, member)
    membership = session.get(Membership, member.membership_id)
    assert membership is not None
    membership.is_active = False
    session.commit()
    with smtp_receiver(username="mailer", password="s3cret-Pass") as smtp:
        _configure_smtp(session, workspace, smtp.port, jobs_settings)
        assert send_due_reports_hourly.call_local() == []
        assert send_report.call_local(subscription.id) is False
    assert smtp.messages == []


def test_without_smtp_nothing_is_sent_nor_recorded(session: Session, queue: Huey) -> None:
    workspace = make_workspace(session)
    subscription = _due_now(session, workspace, make_member(session, workspace))
    before = subscription.last_sent_period
    assert send_report.call_local(subscription.id) is False
    session.refresh(subscription)
    assert subscription.last_sent_period == before


def test_a_user_manages_their_own_subscription(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    make_cx_survey(session, workspace)  # the `web` and `app` channels
    member = make_member(session, workspace, Role.VIEWER)
    sign_in(client, member)
    page = client.get("/settings/reports")
    assert page.status_code == 200 and 'name="frequency"' in page.text
    form = {"frequency": "monthly", "language": "en", "channel": "app"}
    assert client.post("/settings/reports", data=form).status_code == 403  # no CSRF token
    csrf = page_csrf(client, "/settings/reports")
    saved = client.post(
        "/settings/reports", data={**form, "csrf_token": csrf}, follow_redirects=False
    )
    assert saved.status_code == 303
    subscription = get_subscription(session, workspace_id=workspace.id, user_id=member.user_id)
    assert subscription is not None
    assert (subscription.frequency, subscription.language, subscription.channel) == (
        "monthly",
        "en",
        "app",
    )
    assert (
        subscription.last_sent_period
        == last_complete_period(Frequency.MONTHLY, utcnow().date()).key
    )
    assert '<option value="monthly" selected>' in client.get("/settings/reports").text
    bad = client.post("/settings/reports", data={**form, "channel": "fax", "csrf_token": csrf})
    assert bad.status_code == 422 and 'data-field-error="channel"' in bad.text
    unknown = client.post(
        "/settings/reports", data={**form, "frequency": "daily", "csrf_token": csrf}
    )
    assert unknown.status_code == 422 and 'data-field-error="frequency"' in unknown.text
    off = {"frequency": "", "language": "en", "channel": "", "csrf_token": csrf}
    assert client.post("/settings/reports", data=off, follow_redirects=False).status_code == 303
    session.expire_all()
    assert get_subscription(session, workspace_id=workspace.id, user_id=member.user_id) is None
    actions = session.scalars(
        select(AuditLogEntry.action)
        .where(AuditLogEntry.workspace_id == workspace.id)
        .where(AuditLogEntry.object_type == "report_subscription")
        .order_by(AuditLogEntry.id)
    ).all()
    assert actions == ["report_subscription.create", "report_subscription.delete"]
