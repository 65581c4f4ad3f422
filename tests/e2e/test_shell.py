"""A person signs in, switches to Arabic and back, and signs out, in a real browser."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{server.url}/")


def _nav_labels(page: Page) -> list[str]:
    return [label.strip() for label in page.locator("[data-testid=main-nav] a").all_inner_texts()]


def _assert_nav_labels_on_one_line(page: Page) -> None:
    """A two-word label ("نظرة عامة") is not broken over two lines to make room, even at the
    narrowest width that shows the whole bar (Bootstrap's lg breakpoint, 992 px)."""
    page.set_viewport_size({"width": 1000, "height": 800})
    heights = page.locator("[data-testid=main-nav] a").evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().height)"
    )
    assert max(heights) - min(heights) < 2, heights
    page.set_viewport_size({"width": 1280, "height": 800})
    # On a laptop the whole bar is one row: the person's own links wait in their menu.
    bar = page.locator("nav.navbar").bounding_box()
    brand = page.locator(".navbar-brand").bounding_box()
    assert bar is not None and brand is not None and bar["height"] < brand["height"] + 32, bar


def test_sign_in_switch_language_and_sign_out(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login?next=/")
    page.screenshot(path=artifacts / "01-login-en.png", full_page=True)

    _sign_in(page, live_server)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert _nav_labels(page) == [
        "Overview",
        "Customers",
        "Journeys",
        "Surveys",
        "Feedback",
        "Segments",
        "Goals",
        "Settings",
    ]
    expect(page.locator("[data-testid=kpis]")).to_be_visible()
    page.screenshot(path=artifacts / "02-overview-en.png", full_page=True)

    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    assert _nav_labels(page) == [
        "نظرة عامة",
        "العملاء",
        "الرحلات",
        "الاستبيانات",
        "الملاحظات",
        "الشرائح",
        "الأهداف",
        "الإعدادات",
    ]
    expect(page.locator("[data-testid=logout]")).to_be_hidden()
    page.click("[data-testid=signed-in-as]")
    expect(page.locator("[data-testid=logout]")).to_have_text("تسجيل الخروج")
    expect(page.locator("[data-testid=display-settings]")).to_have_text("العرض")
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=logout]")).to_be_hidden()
    _assert_nav_labels_on_one_line(page)
    page.screenshot(path=artifacts / "03-overview-ar.png", full_page=True)

    page.click("[data-section=settings]")
    expect(page.locator("h1")).to_have_text("الإعدادات")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(f"{live_server.url}/settings/users")
    page.screenshot(path=artifacts / "04-settings-users-ar.png", full_page=True)

    # The choice belongs to the user, not the browser: a fresh browser session is Arabic too.
    other = browser.new_context(locale="en-US").new_page()
    _sign_in(other, live_server)
    expect(other.locator("html")).to_have_attribute("dir", "rtl")
    other.context.close()

    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    assert _nav_labels(page) == [
        "Overview",
        "Customers",
        "Journeys",
        "Surveys",
        "Feedback",
        "Segments",
        "Goals",
        "Settings",
    ]
    page.screenshot(path=artifacts / "05-settings-users-en.png", full_page=True)

    page.click("[data-testid=signed-in-as]")
    page.click("[data-testid=logout]")
    expect(page).to_have_url(f"{live_server.url}/login")
    page.goto(f"{live_server.url}/settings/users")
    expect(page).to_have_url(f"{live_server.url}/login?next=/settings/users")
    page.screenshot(path=artifacts / "06-signed-out.png", full_page=True)
    context.close()


def test_mobile_login_page_in_arabic(
    browser: Browser, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ar-SA")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("تسجيل الدخول إلى نبض")
    page.fill("#email", live_server.email)
    page.fill("#password", "wrong-password-here")
    page.click("[data-testid=sign-in]")
    expect(page.locator("[data-testid=login-error]")).to_contain_text("غير صحيحة")
    page.screenshot(path=artifacts / "07-login-error-ar-mobile.png", full_page=True)
    context.close()
