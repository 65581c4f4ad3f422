"""The survey widget in a real browser: a company page on another origin loads
`/static/widget.js` from the live server, which shows its button and panel with the strings of
nabd's catalogue in the page's language, and opens the survey's public page."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory, transaction
from nabd.core.i18n import gettext
from nabd.surveys import respondent
from nabd.surveys import service as surveys
from nabd.surveys.public_views import WIDGET_TEXT
from nabd.surveys.schemas import LinkIn, SurveyIn
from nabd.workspaces import service as workspaces
from tests.e2e.conftest import LiveServer
from tests.e2e.other_origin import serve_page
from tests.surveys.factories import NPS_SURVEY

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def link_token(live_server: LiveServer) -> str:
    """An anonymous link to an active survey on the live server's database."""
    engine = create_db_engine(live_server.database_url)
    try:
        with transaction(create_session_factory(engine)) as session:
            workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
            survey = surveys.create_survey(
                session,
                workspace_id=workspace.id,
                data=SurveyIn.model_validate(NPS_SURVEY),
                actor=SYSTEM_ACTOR,
            )
            link = respondent.create_link(
                session,
                workspace_id=workspace.id,
                survey_id=survey.id,
                data=LinkIn(),
                actor=SYSTEM_ACTOR,
            )
            return link.token
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def company_url(live_server: LiveServer, link_token: str) -> Iterator[str]:
    """The company's own site (another origin) with the one-line widget tag, in Arabic."""
    page = (
        '<!doctype html><html lang="ar"><head><title>متجر</title></head><body><h1>متجر</h1>'
        f'<script src="{live_server.url}/static/widget.js" data-survey="{link_token}" async>'
        "</script></body></html>"
    ).encode()

    with serve_page(page) as url:
        yield url


def test_the_widget_speaks_arabic_from_the_catalogue_and_opens_the_survey(
    browser: Browser, live_server: LiveServer, company_url: str, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 760})
    page = context.new_page()
    page.goto(company_url)
    button = page.locator("#nabd-survey-widget > button")
    button.wait_for(timeout=15_000)
    assert button.inner_text() == gettext("ar", WIDGET_TEXT["button"]) == "رأيك يهمنا"
    assert page.locator("#nabd-survey-widget").get_attribute("dir") == "rtl"
    button.click()
    panel = page.locator("#nabd-survey-widget [role=dialog]")
    assert gettext("ar", WIDGET_TEXT["prompt"]) in panel.inner_text()
    start = panel.locator("a")
    assert start.inner_text() == gettext("ar", WIDGET_TEXT["start"])
    page.screenshot(path=str(artifacts / "widget-ar.png"))
    with context.expect_page() as opened:
        start.click()
    survey = opened.value
    survey.wait_for_load_state()
    assert survey.url.startswith(f"{live_server.url}/s/") and "lang=ar" in survey.url
    assert survey.locator("html").get_attribute("dir") == "rtl"
    context.close()
