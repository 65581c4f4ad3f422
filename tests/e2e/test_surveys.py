"""An analyst builds a survey in the browser; a respondent answers it on a phone in Arabic
(and once with JavaScript disabled); the analyst reads the answers in the results."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine, create_session_factory
from nabd.surveys.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

PHONE: ViewportSize = {"width": 390, "height": 844}
LIKED_AR = "ما الذي أعجبك أكثر؟"
LIKED_EN = "What did you like most?"
CHOSEN = "rgb(13, 110, 253)"  # Bootstrap's primary: a chosen point is filled
COMMENT = "التوصيل كان سريعًا والموظف كان لطيفًا جدًا"


@pytest.fixture(scope="module")
def database(live_server: LiveServer) -> Iterator[Session]:
    """The live server's database, to check what the pages stored."""
    engine = create_db_engine(live_server.database_url)
    session = create_session_factory(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{server.url}/")


def _add_question(page: Page, kind: str, **fields: str) -> None:
    page.select_option("[data-testid=question-type]", kind)
    for name, value in fields.items():
        page.fill(f"#qnew-{name}", value)
    page.click("[data-testid=add-question-submit]")


def _build_survey(page: Page, server: LiveServer, artifacts: Path) -> tuple[int, str]:
    """NPS, a follow-up shown only to promoters and passives, CSAT; active; (id, public link)."""
    page.click("[data-section=surveys]")
    page.fill("#title_ar", "استبيان ما بعد التوصيل")
    page.fill("#title_en", "After delivery")
    page.select_option("#starter", "blank")
    page.click("[data-testid=create-survey]")
    expect(page.locator("[data-testid=survey-title]")).to_have_text("After delivery")
    survey_id = int(page.url.split("/surveys/")[1].split("#")[0].split("?")[0])

    page.check("#qnew-required")
    _add_question(page, "nps")  # empty texts: the standard "How likely … recommend" wording
    page.select_option("[data-testid=question-type]", "text")
    page.fill("#qnew-text_ar", LIKED_AR)
    page.fill("#qnew-text_en", LIKED_EN)
    nps_key = page.locator("#qnew-cq option").nth(1).get_attribute("value") or ""
    page.select_option("#qnew-cq", nps_key)
    page.select_option("#qnew-cop", "gte")
    page.fill("#qnew-cv", "7")
    page.click("[data-testid=add-question-submit]")
    _add_question(page, "csat")
    questions = page.locator("section[data-testid^='question-']")
    expect(questions).to_have_count(3)
    expect(questions.nth(0)).to_contain_text("recommend")
    expect(questions.nth(1)).to_contain_text(LIKED_EN)
    expect(questions.nth(1).locator("[data-testid=question-condition]")).to_have_text(
        f"Shown only when {nps_key} ≥ 7"
    )
    page.screenshot(path=artifacts / "surveys-01-builder.png", full_page=True)

    page.click("[data-testid=activate]")
    expect(page.locator("[data-testid=survey-status]")).to_have_text("Active")
    page.click("[data-testid=create-link]")
    link = page.locator("[data-testid=survey-link]").first
    expect(link).to_be_visible()
    page.screenshot(path=artifacts / "surveys-02-active-with-link.png", full_page=True)
    return survey_id, f"{server.url}{link.get_attribute('href')}"


def _stored_answers(database: Session, survey_id: int) -> list[dict[str, object]]:
    """Each response's answers by question type, oldest response first."""
    database.expire_all()
    rows = database.execute(
        select(SurveyResponse.id, SurveyQuestion.type, SurveyAnswer.number, SurveyAnswer.text)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyResponse.survey_id == survey_id)
        .order_by(SurveyResponse.id)
    )
    by_response: dict[int, dict[str, object]] = {}
    for response_id, kind, number, text in rows:
        by_response.setdefault(response_id, {})[kind] = number if number is not None else text
    return list(by_response.values())


def _phone(browser: Browser, locale: str, *, javascript: bool = True) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE,
        locale=locale,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=javascript,
    )


def _answer_in_arabic(browser: Browser, link: str, artifacts: Path) -> None:
    context = _phone(browser, "ar")
    page = context.new_page()
    page.goto(link)  # no ?lang: the phone's Accept-Language picks Arabic
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("[data-testid=respond-next]")).to_have_text("متابعة")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways on a phone"

    scale = page.locator("[data-testid^='scale-'][role=radiogroup]").first
    zero, five, ten = (scale.locator("label").nth(n).bounding_box() for n in (0, 5, 10))
    assert zero and five and ten
    # An Arabic reader reads right to left: 0 on the right, 10 on the left, in one row.
    assert zero["x"] > five["x"] > ten["x"]
    assert zero["y"] == ten["y"]
    page.screenshot(path=artifacts / "surveys-03-phone-ar-nps.png", full_page=True)

    page.click("[data-testid=respond-next]")  # nothing chosen: the required NPS says so
    expect(page.locator("[data-testid^='error-']")).to_have_text("هذا السؤال مطلوب.")
    page.screenshot(path=artifacts / "surveys-04-phone-ar-required.png", full_page=True)

    nine = scale.locator("label", has_text="9")
    nine.click()
    expect(scale.locator("input[value='9']")).to_be_checked()
    expect(nine).to_have_css("background-color", CHOSEN)  # the choice shows, not just hovers
    page.click("[data-testid=respond-next]")
    follow_up = page.locator("textarea")
    expect(follow_up).to_have_count(1)
    expect(page.locator("legend").first).to_contain_text(LIKED_AR)
    expect(follow_up).to_have_attribute("dir", "auto")
    follow_up.fill(COMMENT)
    page.locator("[data-testid^='scale-'] label", has_text="5").click()
    page.screenshot(path=artifacts / "surveys-05-phone-ar-follow-up.png", full_page=True)
    page.click("[data-testid=respond-next]")
    expect(page.locator("[data-testid=respond-thanks]")).to_contain_text("شكرًا")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.screenshot(path=artifacts / "surveys-06-phone-ar-thanks.png", full_page=True)
    context.close()


def _answer_without_javascript(browser: Browser, link: str, artifacts: Path) -> None:
    context = _phone(browser, "en-US", javascript=False)
    page = context.new_page()
    page.goto(link)
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    page.locator("[data-testid^='scale-'] label", has_text="3").first.click()
    page.click("[data-testid=respond-next]")
    # A detractor is not asked what they liked: the CSAT question comes next.
    expect(page.locator("textarea")).to_have_count(0)
    page.locator("[data-testid^='scale-'] label", has_text="2").click()
    page.screenshot(path=artifacts / "surveys-07-nojs-csat.png", full_page=True)
    page.click("[data-testid=respond-next]")
    expect(page.locator("[data-testid=respond-thanks]")).to_contain_text("Thank you")
    page.screenshot(path=artifacts / "surveys-08-nojs-thanks.png", full_page=True)
    context.close()


def test_build_answer_on_a_phone_in_arabic_and_read_the_results(
    browser: Browser, live_server: LiveServer, database: Session, artifacts: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    analyst = context.new_page()
    _sign_in(analyst, live_server)
    survey_id, link = _build_survey(analyst, live_server, artifacts)

    _answer_in_arabic(browser, link, artifacts)
    assert _stored_answers(database, survey_id) == [{"nps": 9, "text": COMMENT, "csat": 5}]

    _answer_without_javascript(browser, link, artifacts)
    assert _stored_answers(database, survey_id)[1] == {"nps": 3, "csat": 2}

    analyst.goto(f"{live_server.url}/surveys/{survey_id}/results")
    expect(analyst.locator("[data-testid=response-count]")).to_have_text("2")
    expect(analyst.locator("[data-testid=completed-count]")).to_have_text("2")
    expect(analyst.locator("[data-testid=promoters]")).to_have_text("1")
    expect(analyst.locator("[data-testid=detractors]")).to_have_text("1")
    comment = analyst.locator("[data-testid^=comments-] p")
    expect(comment).to_have_text(COMMENT)
    expect(comment).to_have_attribute("dir", "auto")
    analyst.screenshot(path=artifacts / "surveys-09-results.png", full_page=True)

    analyst.select_option("#f-language", "ar")
    analyst.locator("[data-testid=results-filters] button").click()
    expect(analyst.locator("[data-testid=response-count]")).to_have_text("1")
    expect(analyst.locator("[data-testid=detractors]")).to_have_text("0")
    analyst.screenshot(path=artifacts / "surveys-10-results-arabic-only.png", full_page=True)
    context.close()
