"""The CX overview in English and Arabic, and the drill-down from the NPS tile to the comments."""

import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.types import utcnow
from nabd.text.annotations_service import annotate_items, unannotated_ids
from nabd.workspaces import service as workspaces
from tests.e2e.conftest import LiveServer
from tests.metrics.factories import answer, make_cx_survey

pytestmark = pytest.mark.e2e

COMMENT = "التوصيل تأخر ثلاثة أيام"


@pytest.fixture(scope="module")
def answered(live_server: LiveServer) -> Iterator[None]:
    """NPS answers with comments, written straight to the server's database."""
    engine = create_db_engine(live_server.database_url)
    session: Session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        survey = make_cx_survey(session, workspace)
        # Three answers in the last 30 days, two in the 30 days before (for the comparison).
        for days_ago, nps, comment in [
            (1, 10, "خدمة ممتازة"),
            (2, 3, COMMENT),
            (3, 9, None),
            (40, 5, None),
            (41, 8, None),
            # One a month for a year before: the trend's month axis has more names than fit.
            *((65 + 30 * month, 6 + month % 5, None) for month in range(12)),
        ]:
            answer(
                session,
                survey,
                at=utcnow() - timedelta(days=days_ago),
                scores={"nps": nps, "csat": 4, "ces": 6},
                channel="app",
                comment=comment,
            )
        session.flush()
        # What the background annotation job would do, so the top topics have something to show.
        annotate_items(
            session,
            workspace_id=workspace.id,
            item_ids=unannotated_ids(session, workspace_id=workspace.id, limit=100),
        )
        session.commit()
        yield
    finally:
        session.close()
        engine.dispose()


def _sign_in_in(page: Page, server: LiveServer, direction: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{server.url}/")
    if page.locator("html").get_attribute("dir") != direction:
        page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", direction)


def test_overview_tiles_in_both_languages_and_drill_down_to_comments(
    browser: Browser, live_server: LiveServer, answered: None, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    _sign_in_in(page, live_server, "ltr")
    tiles = page.locator("[data-testid=cx-tiles]")
    expect(tiles.locator("[data-metric=nps]")).to_contain_text("NPS")
    expect(tiles.locator("[data-testid=nps-significance]")).to_contain_text("significant")
    expect(page.locator("#nps-trend-chart svg")).to_be_visible()
    page.locator("[data-testid=cx-overview] details summary").first.click()
    expect(page.locator("[data-testid=nps-trend-table] tbody tr").first).to_be_visible()
    page.screenshot(path=artifacts / "overview-cx-en.png", full_page=True)

    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#cx-title")).to_have_text("تجربة العملاء")
    expect(tiles.locator("[data-testid=nps-significance]")).to_contain_text("دال إحصائيًا")
    page.screenshot(path=artifacts / "overview-cx-ar.png", full_page=True)

    page.click("[data-testid=nps-drilldown]")
    expect(page).to_have_url(
        re.compile(re.escape(f"{live_server.url}/feedback?source=survey&since="))
    )
    expect(page.get_by_text(COMMENT)).to_be_visible()
    page.screenshot(path=artifacts / "overview-cx-drilldown-ar.png", full_page=True)
    page.click("[data-testid=switch-language]")  # leave the user in English for other tests
    context.close()


def test_overview_filter_form_heat_map_and_topics_in_both_languages(
    browser: Browser, live_server: LiveServer, answered: None, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1200}, locale="en-US")
    page = context.new_page()
    _sign_in_in(page, live_server, "ltr")
    filters = page.locator("[data-testid=cx-filters]")
    filters.locator("#cx-touchpoint").select_option("web_checkout")
    filters.locator("#cx-channel").select_option("app")
    filters.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"touchpoint=web_checkout"))
    expect(page).to_have_url(re.compile(r"channel=app"))
    expect(page.locator("#cx-touchpoint")).to_have_value("web_checkout")
    expect(page.locator("#nps-heatmap-chart svg")).to_be_visible()
    # Which side a topic lands on is the sentiment model's call; both lists render either way.
    expect(page.locator("[data-testid=topics-positive]")).to_be_visible()
    expect(page.locator("[data-testid=topics-negative]")).to_be_visible()
    expect(page.locator("[data-testid=export-topics]")).to_be_attached()
    href = page.locator("[data-testid=export-trend] a").first.get_attribute("href") or ""
    assert "touchpoint=web_checkout" in href and "channel=app" in href
    page.screenshot(path=artifacts / "overview-cx-filtered-en.png", full_page=True)

    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#nps-heatmap-title")).to_have_text(
        "صافي نقاط الترويج حسب نقطة التواصل والشهر"
    )
    expect(page.locator("#nps-heatmap-chart svg")).to_be_visible()
    expect(page.locator("#cx-topics-title")).to_have_text("أبرز المواضيع")
    expect(page).to_have_url(re.compile(r"touchpoint=web_checkout"))
    page.screenshot(path=artifacts / "overview-cx-filtered-ar.png", full_page=True)
    page.click("[data-testid=switch-language]")  # leave the user in English for other tests
    context.close()


def _heat_cell_labels(page: Page) -> list[str]:
    """The heat map's cell values (as the English page writes them) that it shows as text."""
    cells = json.loads(page.locator("#nps-heatmap-chart-data").text_content() or "[]")
    values = {f"{round(value):d}" for _x, _y, value in cells} - {"100", "-100"}  # the scale's
    assert values, cells
    texts = page.locator("#nps-heatmap-chart svg text").all_text_contents()
    return [text for text in texts if text.strip() in values]


def test_the_heat_map_writes_cell_values_only_where_cells_are_wide_enough(
    browser: Browser, live_server: LiveServer, answered: None, artifacts: Path
) -> None:
    """A year of months on a laptop: each cell shows its NPS. The same page narrowed to a
    phone, or opened on one: no cell value (the numbers ran into each other there); the
    colours and the tooltip still tell them."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
    page = context.new_page()
    _sign_in_in(page, live_server, "ltr")
    today = date.today()
    page.goto(f"{live_server.url}/?from={today - timedelta(days=420)}&to={today}")
    expect(page.locator("#nps-heatmap-chart svg")).to_be_visible()
    months = json.loads(page.locator("#nps-heatmap-chart-labels").text_content() or "[]")
    assert len(months) >= 10, months
    assert _heat_cell_labels(page), "no cell value on a laptop"
    page.set_viewport_size({"width": 360, "height": 800})
    # Redrawn at the phone's width, under 360 px (a retrying check: the page's CSP refuses the
    # string evaluation `wait_for_function` polls with).
    expect(page.locator("#nps-heatmap-chart svg")).to_have_attribute(
        "width", re.compile(r"^([1-9]?[0-9]|[12][0-9]{2}|3[0-5][0-9])(\.[0-9]+)?$")
    )
    assert _heat_cell_labels(page) == []
    page.reload()
    expect(page.locator("#nps-heatmap-chart svg")).to_be_visible()
    assert _heat_cell_labels(page) == []
    page.screenshot(path=artifacts / "overview-cx-heatmap-phone-en.png", full_page=True)
    context.close()


def test_build_a_journey_and_filter_the_overview_by_it(
    browser: Browser, live_server: LiveServer, answered: None, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="en-US")
    page = context.new_page()
    _sign_in_in(page, live_server, "ltr")
    page.goto(f"{live_server.url}/journeys")
    form = page.locator("[data-testid=new-journey]")
    form.locator("#name_ar").fill("رحلة الشراء")
    form.locator("#name_en").fill("Buying journey")
    form.locator("[data-testid=create-journey]").click()
    expect(page).to_have_url(re.compile(r"/journeys/\d+$"))
    row = page.locator("[data-testid=stage-row-0]")
    row.locator("input[name='stage-0-name_ar']").fill("الشراء")
    row.locator("input[name='stage-0-name_en']").fill("Purchase")
    page.locator("select[name='touchpoint-web_checkout']").select_option("0")
    page.locator("[data-testid=save-journey]").click()
    expect(page.locator("select[name='touchpoint-web_checkout']")).to_have_value("0")
    page.screenshot(path=artifacts / "journey-edit-en.png", full_page=True)

    page.goto(f"{live_server.url}/")
    filters = page.locator("[data-testid=cx-filters]")
    filters.locator("#cx-journey").select_option(label="Buying journey")
    filters.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"journey=\d+"))
    expect(page.locator("#cx-journey option:checked")).to_have_text("Buying journey")
    expect(page.locator("[data-testid=nps-value]")).not_to_have_text("—")
    expect(page.locator("#nps-trend-chart svg")).to_be_visible()

    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#cx-journey option:checked")).to_have_text("رحلة الشراء")
    expect(page).to_have_url(re.compile(r"journey=\d+"))
    page.screenshot(path=artifacts / "overview-cx-journey-ar.png", full_page=True)
    page.goto(f"{live_server.url}/journeys")
    expect(page.locator("h1")).to_have_text("الرحلات")
    expect(page.get_by_text("رحلة الشراء")).to_be_visible()
    expect(page.get_by_text("الشراء", exact=True)).to_be_visible()
    page.screenshot(path=artifacts / "journeys-ar.png", full_page=True)
    page.click("[data-testid=switch-language]")  # leave the user in English for other tests
    context.close()


ARABIC_INDIC = re.compile("[٠-٩]")


def test_charts_and_dates_follow_the_arabic_digits_and_hijri_preference(
    browser: Browser, live_server: LiveServer, answered: None, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="ar")
    page = context.new_page()
    _sign_in_in(page, live_server, "rtl")

    def choose(digits: str, calendar: str) -> None:
        page.goto(f"{live_server.url}/settings/display")
        page.select_option("#digits", digits)
        page.select_option("#calendar", calendar)
        page.locator("[data-testid=display-preferences] button[type=submit]").click()

    choose("arabic", "hijri")
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("data-digits", "arabic")
    # The range stays in ISO date inputs; its Hijri reading is shown beside them.
    expect(page.locator("[data-testid=cx-from-hijri]")).to_contain_text("هـ")
    expect(page.locator("[data-testid=cx-to-hijri]")).to_contain_text("هـ")
    trend = page.locator("#nps-trend-chart svg")
    expect(trend).to_be_visible()
    labels = trend.locator("text").all_text_contents()
    assert any(ARABIC_INDIC.search(label) for label in labels), labels
    assert not any(re.search("[0-9]", label) for label in labels), labels
    # The month axis names the month (نوفمبر …), not "2026-11"; the tooltip adds its Hijri months.
    assert not any(re.search(r"[0-9٠-٩]{4}-", label) for label in labels), labels
    heat = page.locator("#nps-heatmap-chart svg text").all_text_contents()
    assert heat and not any(re.search("[0-9]", label) for label in heat), heat
    trend.hover()
    box = trend.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#nps-trend-chart")).to_contain_text("هـ")
    page.screenshot(path=artifacts / "overview-cx-hijri-arabic-digits.png", full_page=True)
    _assert_month_names_apart(page)

    choose("latin", "gregorian")  # leave the user as the other tests expect
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-testid=cx-from-hijri]")).to_have_count(0)
    latin = page.locator("#nps-trend-chart svg text").all_text_contents()
    assert not any(ARABIC_INDIC.search(label) for label in latin), latin
    page.click("[data-testid=switch-language]")  # leave the user in English for other tests
    context.close()


def _assert_month_names_apart(page: Page) -> None:
    """The trend's month names, read off the drawn chart, neither overlap nor run out."""
    boxes = page.locator("#nps-trend-chart svg text").evaluate_all(
        """texts => texts.filter(t => /\\p{L}/u.test(t.textContent))
                         .map(t => { const b = t.getBoundingClientRect();
                                     return [b.left, b.right, b.top]; })"""
    )
    names = sorted(box for box in boxes if box[1] > box[0])
    assert len(names) >= 3, names
    for (_, right, _), (left, _, _) in pairwise(names):
        assert right <= left + 1, names
