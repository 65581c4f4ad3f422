"""The pages fit a phone in Arabic: nothing makes a page scroll sideways (a wide table
scrolls inside its own box, a row of controls wraps)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine, create_session_factory
from nabd.customers.models import Customer
from nabd.workspaces import service as workspaces
from tests.e2e.conftest import LiveServer
from tests.metrics.factories import make_cx_survey

pytestmark = pytest.mark.e2e

# The narrowest phone still sold (320 CSS pixels); the bar folds away below 992.
PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1280, "height": 844}


@pytest.fixture(scope="module")
def detail_paths(live_server: LiveServer) -> Iterator[list[str]]:
    """Pages behind the list pages: a profile and a survey (written straight to the server's
    database), the survey's results, a new segment's form."""
    engine = create_db_engine(live_server.database_url)
    session: Session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        customer = Customer(workspace_id=workspace.id, attributes={"city": "الرياض"})
        session.add(customer)
        survey = make_cx_survey(session, workspace)
        session.commit()
        yield [
            f"/customers/{customer.id}",
            f"/surveys/{survey.id}",
            f"/surveys/{survey.id}/results",
            "/segments/new",
        ]
    finally:
        session.close()
        engine.dispose()


def test_the_pages_fit_a_phone_in_arabic(
    browser: Browser, live_server: LiveServer, detail_paths: list[str], artifacts: Path
) -> None:
    # The language switch is in the bar, which a phone folds away: switch on a wide screen.
    context = browser.new_context(viewport=DESKTOP, locale="ar-SA")
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.fill("#email", live_server.email)
    page.fill("#password", live_server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{live_server.url}/")
    if page.locator("html").get_attribute("dir") != "rtl":
        page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    paths = page.locator("[data-testid=main-nav] a").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )
    assert len(paths) >= 8, paths
    page.set_viewport_size(PHONE)
    overflowing = {}
    for path in [*paths, *detail_paths]:
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            overflowing[path] = width
            page.screenshot(path=artifacts / f"phone-overflow{path.replace('/', '-')}.png")
    page.set_viewport_size(DESKTOP)
    page.click("[data-testid=switch-language]")  # leave the user in English for other tests
    context.close()
    assert overflowing == {}
