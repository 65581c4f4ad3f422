"""A person sets a goal in Arabic and sees it listed with its status."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine, create_session_factory
from nabd.workspaces import service as workspaces
from tests.e2e.conftest import LiveServer
from tests.goals.factories import FLAT, answer_weekly, make_nps_survey, running_period

pytestmark = pytest.mark.e2e

GOAL_NAME = "رفع صافي نقاط الترويج في التطبيق"


@pytest.fixture(scope="module")
def period_with_answers(live_server: LiveServer) -> Iterator[tuple[date, date]]:
    """Weeks of NPS answers stuck at 0 in a running period, written straight to the server's DB."""
    start, end = running_period()
    engine = create_db_engine(live_server.database_url)
    session: Session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        survey = make_nps_survey(session, workspace)
        answer_weekly(session, survey, start=start, end=end, weeks=FLAT)
        yield start, end
    finally:
        session.close()
        engine.dispose()


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{server.url}/")


def test_create_a_goal_in_arabic_and_see_its_status(
    browser: Browser,
    live_server: LiveServer,
    period_with_answers: tuple[date, date],
    artifacts: Path,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    _sign_in(page, live_server)
    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    page.click("[data-section=goals]")
    expect(page.locator("h1")).to_have_text("الأهداف")
    form = page.locator("[data-testid=new-goal]")
    form.locator("#name").fill(GOAL_NAME)
    form.locator("#metric").select_option("nps")
    form.locator("#baseline").fill("0")
    form.locator("#target_kind").select_option("change")
    form.locator("#target_amount").fill("10")
    start, end = period_with_answers
    form.locator("#start_date").fill(start.isoformat())
    form.locator("#end_date").fill(end.isoformat())
    page.screenshot(path=artifacts / "goals-01-form-ar.png", full_page=True)
    page.click("[data-testid=create-goal]")

    expect(page.locator("h1")).to_have_text(GOAL_NAME)
    expect(page.locator("#goal-chart svg")).to_be_visible()
    page.screenshot(path=artifacts / "goals-02-detail-ar.png", full_page=True)

    page.click("[data-section=goals]")
    row = page.locator("[data-testid=goal-list] tbody tr").filter(has_text=GOAL_NAME)
    expect(row).to_have_count(1)
    # NPS flat at 0 for five weeks cannot reach +10 by the quarter's end.
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "at_risk")
    expect(row.locator("[data-status]")).to_have_text("في خطر")
    page.screenshot(path=artifacts / "goals-03-list-ar.png", full_page=True)

    # Leave the shared user as the other browser tests expect to find them.
    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    context.close()
