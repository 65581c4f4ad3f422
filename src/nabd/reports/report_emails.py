"""The scheduled report e-mail: headline numbers in HTML and plain text, the overview PDF attached.

It goes through the workspace's SMTP server (the survey delivery settings), like goal
notifications; without one, or when the user has lost access, nothing is sent.
"""

from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from urllib.parse import urlencode

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.i18n import N_, Locale, coerce_locale, direction, gettext
from nabd.goals.emails import OutgoingEmail
from nabd.reports.overview import CxOverview
from nabd.reports.pdf import file_name, render_overview_pdf, template_environment
from nabd.reports.subscriptions import Frequency, ReportPeriod, due_period
from nabd.reports.subscriptions_models import ReportSubscription
from nabd.surveys.delivery_settings import decrypt_secret, get_delivery_settings
from nabd.surveys.smtp import SmtpServer
from nabd.workspaces import service as workspaces

SUBJECTS = {
    Frequency.WEEKLY: N_("Weekly CX report for %(workspace)s: %(start)s to %(end)s"),
    Frequency.MONTHLY: N_("Monthly CX report for %(workspace)s: %(start)s to %(end)s"),
}
OPEN_OVERVIEW = N_("Open the overview")
FOOTER = N_(
    "You receive this e-mail because you subscribed to it in nabd. To change or stop it: %(url)s"
)
PREVIOUS = N_("previous period: %(value)s")
TEMPLATE = "reports/email_report.html"


@dataclass(frozen=True)
class PreparedReport:
    """The e-mail and the period it reports on, recorded as sent once the server accepts it."""

    email: OutgoingEmail
    period: ReportPeriod


def overview_link(public_url: str, period: ReportPeriod, channel: str | None) -> str:
    params = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if channel:
        params["channel"] = channel
    return f"{public_url.rstrip('/')}/?{urlencode(params)}"


def _score(locale: str, value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{format_decimal(round(value, 1), locale=locale)}{unit}"


def headline_lines(overview: CxOverview, locale: str) -> list[str]:
    """One line per headline number: value, ± margin, n and the previous period's value."""
    lines = []
    for tile in overview.tiles:
        margin = tile.current.margin_of_error
        parts = [f"{gettext(locale, tile.label)}: {_score(locale, tile.current.value, tile.unit)}"]
        if margin is not None:
            parts.append(f"± {_score(locale, margin)}")
        parts.append(f"n = {format_decimal(tile.current.n, locale=locale)}")
        previous = _score(locale, tile.previous.value, tile.unit)
        parts.append(gettext(locale, PREVIOUS) % {"value": previous})
        lines.append(" · ".join(parts))
    return lines


def prepare(
    session: Session,
    *,
    subscription_id: int,
    today: date,
    now: datetime,
    secret_key: str,
    public_url: str,
) -> PreparedReport | None:
    """The report to send now, or None: not due, no SMTP server, or the user lost access."""
    subscription = session.scalar(
        select(ReportSubscription).where(ReportSubscription.id == subscription_id).with_for_update()
    )
    if subscription is None:
        return None
    period = due_period(subscription, today)
    workspace_id = subscription.workspace_id
    if period is None or not workspaces.find_active_membership(
        session, workspace_id=workspace_id, user_id=subscription.user_id
    ):
        return None
    delivery = get_delivery_settings(session, workspace_id=workspace_id)
    if not delivery.smtp_host or not delivery.smtp_from:
        return None
    user = workspaces.get_user(session, user_id=subscription.user_id)
    workspace = workspaces.get_workspace(session, workspace_id=workspace_id)
    if user is None:
        return None
    locale: Locale = coerce_locale(subscription.language) or "ar"
    filters = period.filters(subscription.channel)
    pdf = render_overview_pdf(
        session, workspace=workspace, filters=filters, locale=locale, generated_at=now
    )
    link = overview_link(public_url, period, subscription.channel)
    lines = headline_lines(pdf.overview, locale)
    message = EmailMessage()
    message["Subject"] = gettext(locale, SUBJECTS[Frequency(subscription.frequency)]) % {
        "workspace": workspace.name,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }
    message["From"] = delivery.smtp_from
    message["To"] = user.email
    footer = gettext(locale, FOOTER) % {"url": f"{public_url.rstrip('/')}/settings/reports"}
    message.set_content("\n".join([*lines, "", link, "", footer]) + "\n")
    html = (
        template_environment()
        .get_template(TEMPLATE)
        .render(
            locale=locale,
            direction=direction(locale),
            subject=message["Subject"],
            lines=lines,
            link=link,
            open_overview=gettext(locale, OPEN_OVERVIEW),
            footer=footer,
        )
    )
    message.add_alternative(html, subtype="html")
    message.add_attachment(
        pdf.content, maintype="application", subtype="pdf", filename=file_name(filters)
    )
    # Set last: turning the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = locale
    server = SmtpServer(
        host=delivery.smtp_host,
        port=delivery.smtp_port,
        security=delivery.smtp_security,
        username=delivery.smtp_username,
        password=decrypt_secret(secret_key, delivery.smtp_password_encrypted),
    )
    return PreparedReport(email=OutgoingEmail(server=server, message=message), period=period)


def mark_sent(session: Session, *, subscription_id: int, period: ReportPeriod) -> None:
    subscription = session.get(ReportSubscription, subscription_id)
    if subscription is not None:
        subscription.last_sent_period = period.key
