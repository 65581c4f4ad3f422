"""Display preferences: Arabic-Indic digits and Hijri dates, per user, on Arabic pages only."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from hijridate import Gregorian
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.web.templating import create_environment, hijri_date
from nabd.workspaces.display import DisplayPreferences, effective_preferences
from nabd.workspaces.models import User
from nabd.workspaces.roles import Role
from tests.customers.factories import make_customer
from tests.factories import make_member, make_workspace, page_csrf, sign_in

ARABIC = DisplayPreferences(digits="arabic", calendar="hijri")
LATIN_DIGITS = set("0123456789")


def render(source: str, display: DisplayPreferences, locale: str = "ar", **values: object) -> str:
    template = create_environment().from_string(source)
    return template.render(locale=locale, display=display, time_zone="Asia/Riyadh", **values)


def test_numbers_use_arabic_indic_digits_and_separators_with_the_sign_kept() -> None:
    assert render("{{ n|number }}", ARABIC, n=-1234.5) == "\u061c-١٬٢٣٤٫٥"
    assert render("{{ n|number }}", ARABIC, n=37.5) == "٣٧٫٥"
    # Latin digits on an Arabic page: a left-to-right mark keeps the sign before the number
    # (else it shows as "1,234.5-"); an English page needs none.
    assert render("{{ n|number }}", DisplayPreferences(), n=-1234.5) == "\u200e-1,234.5"
    assert render("{{ n|number }}", DisplayPreferences(), "en", n=-1234.5) == "-1,234.5"
    # A metric: one decimal through the same filter, and "—" when there is none.
    assert render("{{ n|metric }}", DisplayPreferences(), "en", n=-20.34) == "-20.3"
    assert render("{{ n|metric }}", ARABIC, n=-20.34) == "\u061c-٢٠٫٣"
    assert render("{{ n|metric }}", DisplayPreferences(), n=None) == "—"


def test_currency_keeps_its_sign_and_symbol() -> None:
    text = render('{{ m|currency("SAR") }}', ARABIC, m=Decimal("-12.5"))
    assert "-١٢٫٥٠" in text and "ر.س." in text
    assert not LATIN_DIGITS & set(text)


def test_a_percentage_written_after_a_number_keeps_arabic_digits() -> None:
    assert render("{{ n|number }}٪", ARABIC, n=-8) == "\u061c-٨٪"


def test_hijri_date_matches_the_umm_al_qura_table() -> None:
    hijri = Gregorian(2026, 11, 23).to_hijri()
    assert (hijri.year, hijri.month, hijri.day) == (1448, 6, 13)
    assert hijri_date(date(2026, 11, 23)) == "13 جمادى الآخرة 1448 هـ"
    assert hijri_date(date(2026, 11, 23), "arabic") == "١٣ جمادى الآخرة ١٤٤٨ هـ"
    assert render("{{ d|date }}", ARABIC, d=date(2026, 11, 23)) == "١٣ جمادى الآخرة ١٤٤٨ هـ"


def test_hijri_datetime_uses_the_workspace_day_and_falls_back_outside_the_table() -> None:
    # 21:30 UTC is 00:30 the next day in Riyadh, so the Hijri day moves on too.
    late = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)
    assert render('{{ t|datetime("short") }}', ARABIC, t=late).startswith(
        "١٤ جمادى الآخرة ١٤٤٨ هـ، "
    )
    naive = render('{{ t|datetime("short") }}', ARABIC, t=late.replace(tzinfo=None))
    assert naive.startswith("١٤ جمادى الآخرة ١٤٤٨ هـ، ")  # naive means UTC, as babel reads it
    assert hijri_date(date(1900, 1, 1)) is None
    old = render("{{ d|date }}", ARABIC, d=date(1900, 1, 1))
    assert "١٩٠٠" in old


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_preferences_only_apply_to_arabic_pages(locale: str) -> None:
    assert effective_preferences("arabic", "hijri", locale) == DisplayPreferences()
    assert effective_preferences("arabic", "hijri", "ar") == ARABIC
    assert effective_preferences("klingon", None, "ar") == DisplayPreferences()


def test_templates_rendered_without_preferences_stay_latin_and_gregorian() -> None:
    # E-mails and PDFs render with their own context, without a `display` entry.
    template = create_environment().from_string("{{ n|number }} {{ d|date }}")
    text = template.render(locale="ar", n=1234, d=date(2026, 11, 23))
    assert "1,234" in text and "2026" in text


def _save(client: TestClient, csrf: str, **form: str) -> int:
    data = {"csrf_token": csrf, **form}
    return client.post("/settings/display", data=data, follow_redirects=False).status_code


def _language(client: TestClient, language: str) -> None:
    data = {"language": language, "csrf_token": page_csrf(client, "/settings/display")}
    assert (
        client.post("/preferences/language", data=data, follow_redirects=False).status_code == 303
    )


def test_a_viewer_saves_preferences_and_sees_them_on_arabic_pages_only(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    make_customer(session, workspace, last_seen_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    viewer = make_member(session, workspace, Role.VIEWER)
    sign_in(client, viewer)
    _language(client, "ar")
    page = client.get("/settings/display")
    assert page.status_code == 200 and 'name="digits"' in page.text
    assert 'data-digits="latin" data-calendar="gregorian"' in page.text
    assert 'href="/settings/display"' in client.get("/customers").text

    assert (
        _save(client, page_csrf(client, "/settings/display"), digits="arabic", calendar="hijri")
        == 303
    )
    arabic = client.get("/customers").text
    assert 'data-digits="arabic" data-calendar="hijri"' in arabic
    assert "١٣ جمادى الآخرة ١٤٤٨ هـ" in arabic
    assert '<td class="numeric">٠</td>' in arabic
    _language(client, "en")
    english = client.get("/customers").text
    assert 'data-digits="latin" data-calendar="gregorian"' in english
    assert "جمادى" not in english and '<td class="numeric">0</td>' in english

    entry = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "user.set_display")
    ).one()
    assert (entry.workspace_id, entry.object_id) == (workspace.id, str(viewer.user_id))
    assert entry.details == {"digits": "arabic", "calendar": "hijri"}


def test_the_form_needs_csrf_and_valid_choices(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    member = make_member(session, workspace, Role.VIEWER)
    sign_in(client, member)
    form = {"digits": "arabic", "calendar": "hijri"}
    assert client.post("/settings/display", data=form).status_code == 403
    csrf = page_csrf(client, "/settings/display")
    bad = client.post("/settings/display", data={**form, "digits": "roman", "csrf_token": csrf})
    assert bad.status_code == 422 and 'data-field-error="digits"' in bad.text
    assert 'data-field-error="calendar"' not in bad.text
    session.expire_all()
    user = session.get(User, member.user_id)
    assert user is not None and (user.digits, user.calendar) == ("latin", "gregorian")
    assert (
        session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.action == "user.set_display")
        ).all()
        == []
    )


def test_a_choice_is_the_users_own(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    other_workspace = make_workspace(session, "other")
    chooser = make_member(session, workspace, Role.ANALYST)
    colleague = make_member(session, workspace, Role.ADMIN)
    stranger = make_member(session, other_workspace, Role.ADMIN)
    sign_in(client, chooser)
    assert (
        _save(client, page_csrf(client, "/settings/display"), digits="arabic", calendar="hijri")
        == 303
    )
    session.expire_all()
    chosen = {
        member.user_id: (user.digits, user.calendar)
        for member in (chooser, colleague, stranger)
        if (user := session.get(User, member.user_id)) is not None
    }
    assert chosen == {
        chooser.user_id: ("arabic", "hijri"),
        colleague.user_id: ("latin", "gregorian"),
        stranger.user_id: ("latin", "gregorian"),
    }
