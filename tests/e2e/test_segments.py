"""A person creates a segment in Arabic, previews its count, saves it and sees its size."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine, create_session_factory
from nabd.workspaces import service as workspaces
from tests.e2e.conftest import LiveServer
from tests.segments.factories import make_people

pytestmark = pytest.mark.e2e

NAME_AR = "عملاء الرياض"
NAME_EN = "Riyadh customers (browser)"


@pytest.fixture(scope="module")
def riyadh_count(live_server: LiveServer) -> Iterator[int]:
    """Customers with and without `city: Riyadh`, written straight to the server's database."""
    engine = create_db_engine(live_server.database_url)
    session: Session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        people, _survey = make_people(session, workspace, count=12, seed=11)
        yield sum(person.city == "Riyadh" for person in people)
    finally:
        session.close()
        engine.dispose()


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{server.url}/")


def test_create_a_segment_in_arabic_and_see_its_size(
    browser: Browser, live_server: LiveServer, riyadh_count: int, artifacts: Path
) -> None:
    assert riyadh_count > 0
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server)
    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    page.click("[data-section=segments]")
    expect(page.locator("h1")).to_have_text("الشرائح")
    page.click("[data-testid=new-segment]")
    form = page.locator("[data-testid=segment-form]")
    form.locator("#name_ar").fill(NAME_AR)
    form.locator("#name_en").fill(NAME_EN)
    form.locator("select[name=field-0]").select_option("attribute")
    form.locator("input[name=key-0]").fill("city")
    form.locator("select[name=operator-0]").select_option("equals")
    form.locator("input[name=value-0]").fill("Riyadh")
    page.click("[data-testid=preview-segment]")
    preview = page.locator("[data-testid=segment-preview]")
    expect(preview).to_contain_text(str(riyadh_count))
    expect(preview).to_contain_text("يطابق هذا التعريف")
    page.screenshot(path=artifacts / "segments-01-preview-ar.png", full_page=True)
    page.click("[data-testid=save-segment]")

    expect(page.locator("h1")).to_have_text(NAME_AR)
    expect(page.locator("[data-testid=segment-as-of]")).to_contain_text(f"{riyadh_count} عميلًا")
    page.screenshot(path=artifacts / "segments-02-detail-ar.png", full_page=True)

    page.click("[data-section=segments]")
    row = page.locator("[data-testid=segment-row]").filter(has_text=NAME_AR)
    expect(row.locator("[data-testid=segment-size]")).to_have_text(
        re.compile(rf"^\D*{riyadh_count}\D*$")
    )
    page.screenshot(path=artifacts / "segments-03-list-ar.png", full_page=True)

    # Leave the shared user as the other browser tests expect to find them.
    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    context.close()


def test_a_condition_row_offers_only_what_its_field_takes(
    browser: Browser, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/segments/new")
    form = page.locator("[data-testid=segment-form]")
    key = form.locator("input[name=key-0]")
    operator = form.locator("select[name=operator-0]")
    value = form.locator("input[name=value-0]")

    form.locator("select[name=field-0]").select_option("last_contact")
    expect(key).to_be_disabled()
    expect(operator.locator("option[value=contains]")).to_be_disabled()
    operator.select_option("never")
    expect(value).to_be_disabled()

    form.locator("select[name=field-0]").select_option("attribute")
    expect(key).to_be_enabled()
    expect(key).to_have_attribute("placeholder", "e.g. city")
    expect(operator).to_have_value("")  # "never" is not an attribute's operator
    expect(value).to_be_enabled()
    operator.select_option("contains")

    # What the browser narrowed down is what the server stores.
    form.locator("#name_ar").fill("آخر تواصل")
    form.locator("#name_en").fill("Attribute contains (browser)")
    key.fill("city")
    value.fill("Riy")
    page.click("[data-testid=save-segment]")
    expect(page.locator("h1")).to_have_text("Attribute contains (browser)")
    expect(form.locator("select[name=operator-0]")).to_have_value("contains")
    context.close()
