"""A person finds a customer by an unaccented Arabic spelling and reads the profile in
Arabic and English, in a real browser."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine, create_session_factory
from nabd.workspaces import service as workspaces
from tests.customers.factories import add_history, make_customer, make_places
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

FEEDBACK = "التوصيل تأخر يومين لكن خدمة العملاء حلّت المشكلة بسرعة"


@pytest.fixture(scope="module")
def seeded_customer_id(live_server: LiveServer) -> Iterator[int]:
    """A customer with events, a purchase and a review, written straight to the server's DB."""
    engine = create_db_engine(live_server.database_url)
    session: Session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        channel, touchpoint = make_places(session, workspace)
        customer = make_customer(
            session,
            workspace,
            "أحمد الشهري",
            email="ahmed.shehri@example.com",
            phone="+966551112223",
        )
        add_history(
            session,
            workspace,
            customer,
            channel=channel,
            touchpoint=touchpoint,
            feedback_text=FEEDBACK,
        )
        yield customer.id
    finally:
        session.close()
        engine.dispose()


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{server.url}/")


def test_search_and_profile_in_english_and_arabic(
    browser: Browser, live_server: LiveServer, seeded_customer_id: int, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server)

    page.click("[data-section=customers]")
    page.fill("#q", "احمد")  # no hamza: still finds "أحمد"
    page.click("[data-testid=search-submit]")
    row = page.locator(f"[data-customer='{seeded_customer_id}']")
    expect(row).to_contain_text("أحمد الشهري")
    page.screenshot(path=artifacts / "customers-01-search-en.png", full_page=True)

    row.locator("a").click()
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator("[data-testid=customer-name]")).to_have_text("أحمد الشهري")
    timeline = page.locator("[data-testid=timeline] > li")
    expect(timeline).to_have_count(5)
    expect(timeline.first).to_have_attribute("data-kind", "feedback")
    feedback = page.locator("[data-testid=feedback-text]")
    expect(feedback).to_have_text(FEEDBACK)
    expect(feedback).to_have_attribute("dir", "auto")
    expect(page.locator("[data-testid=touchpoint]").first).to_have_text("Checkout page")
    expect(page.locator("[data-testid=total-spend]")).to_contain_text("250.50")
    page.screenshot(path=artifacts / "customers-02-profile-en.png", full_page=True)

    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("[data-testid=touchpoint]").first).to_have_text("صفحة الدفع")
    expect(page.locator("[data-testid=channels-used]")).to_contain_text("الموقع")
    expect(page.locator("h2").filter(has_text="الخط الزمني")).to_be_visible()
    page.screenshot(path=artifacts / "customers-03-profile-ar.png", full_page=True)

    page.check("#kind-transaction")
    page.click("[data-testid=timeline-filters] button")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_have_attribute("data-kind", "transaction")
    page.screenshot(path=artifacts / "customers-04-timeline-purchases-ar.png", full_page=True)

    # Leave the shared user as the other browser tests expect to find them.
    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    context.close()


@pytest.fixture(scope="module")
def duplicate_ids(live_server: LiveServer) -> Iterator[tuple[int, int]]:
    """Two profiles of one person: the kept one, with history, and a bare duplicate."""
    engine = create_db_engine(live_server.database_url)
    session: Session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        kept = make_customer(session, workspace, "سارة القحطاني", email="sara.q@example.com")
        duplicate = make_customer(session, workspace, "ساره القحطانى", phone="+966559998887")
        yield kept.id, duplicate.id
    finally:
        session.close()
        engine.dispose()


def test_merge_a_duplicate_in_arabic_and_undo_it(
    browser: Browser, live_server: LiveServer, duplicate_ids: tuple[int, int], artifacts: Path
) -> None:
    kept_id, duplicate_id = duplicate_ids
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server)
    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(f"{live_server.url}/customers/{kept_id}")
    page.fill("#merge-source", str(duplicate_id))
    page.click("[data-testid=merge]")
    expect(page.get_by_text(f"دُمج العميل {duplicate_id} في هذا العميل.")).to_be_visible()
    merged = page.locator(f"[data-testid=merge-{duplicate_id}]")
    expect(merged).to_contain_text("ساره القحطانى")
    expect(page.locator("[data-identity=phone]")).to_have_text("+966559998887")
    page.screenshot(path=artifacts / "customers-merge-ar.png", full_page=True)

    merged.locator("[data-testid=undo-merge]").click()
    expect(page.get_by_text(f"عاد العميل {duplicate_id} منفصلًا")).to_be_visible()
    expect(page.locator("[data-identity=phone]")).to_have_count(0)
    page.goto(f"{live_server.url}/customers/{duplicate_id}")
    expect(page.locator("[data-identity=phone]")).to_have_text("+966559998887")
    page.click("[data-testid=switch-language]")  # leave the user in English for other tests
    context.close()
