"""An analyst searches the feedback explorer with an unvocalised Arabic spelling, filters it,
corrects an analysis, and reads it in Arabic, in a real browser; customer text stays text."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.db import create_db_engine, create_session_factory
from nabd.feedback.service import record_feedback
from nabd.text.annotations import FeedbackAnnotation
from nabd.text.annotations_service import annotate_items
from nabd.workspaces import service as workspaces
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

# Written with shadda and hamza; the analyst searches "تاخر" without them.
LATE = "التوصيل تأخّر ثلاثة أيام والطلب وصل ناقص، تجربة سيئة جدا"
HOSTILE = "<script>alert('owned')</script> the explorer staff were lovely"


@pytest.fixture(scope="module")
def seeded(live_server: LiveServer) -> Iterator[dict[str, tuple[int, str]]]:
    """Two annotated texts written straight to the server's database: id and sentiment."""
    engine = create_db_engine(live_server.database_url)
    session: Session = create_session_factory(engine)()
    try:
        workspace = workspaces.get_workspace_by_slug(session, slug="e2e")
        at = datetime(2026, 11, 20, 9, tzinfo=UTC)
        items = {
            name: record_feedback(
                session, workspace_id=workspace.id, source=source, text=text, created_at=at
            )[0].id
            for name, source, text in (("late", "review", LATE), ("hostile", "chat", HOSTILE))
        }
        annotate_items(session, workspace_id=workspace.id, item_ids=list(items.values()))
        session.commit()
        sentiments = dict(
            session.execute(
                select(FeedbackAnnotation.feedback_item_id, FeedbackAnnotation.sentiment).where(
                    FeedbackAnnotation.feedback_item_id.in_(items.values())
                )
            ).all()
        )
        yield {name: (item_id, sentiments[item_id]) for name, item_id in items.items()}
    finally:
        session.close()
        engine.dispose()


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#email", server.email)
    page.fill("#password", server.password)
    page.click("[data-testid=sign-in]")
    expect(page).to_have_url(f"{server.url}/")


def test_search_filter_correct_and_read_in_arabic(
    browser: Browser,
    live_server: LiveServer,
    seeded: dict[str, tuple[int, str]],
    artifacts: Path,
) -> None:
    late_id, late_sentiment = seeded["late"]
    hostile_id, _ = seeded["hostile"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    dialogs: list[str] = []

    def remember(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", remember)
    _sign_in(page, live_server)

    page.goto(f"{live_server.url}/feedback")
    hostile = page.locator(f"[data-item='{hostile_id}'] .feedback-text")
    expect(hostile).to_contain_text("<script>alert('owned')</script>")
    expect(hostile).to_have_attribute("dir", "auto")

    page.fill("#q", "تاخر")
    page.select_option("#sentiment", late_sentiment)
    page.click("[data-testid=filter-submit]")
    items = page.locator("[data-testid=feedback-items] > li[data-item]")
    expect(page.locator(f"[data-item='{late_id}'] .feedback-text")).to_contain_text("تأخّر")
    for sentiment in items.locator("[data-sentiment]").all():
        expect(sentiment).to_have_attribute("data-sentiment", late_sentiment)
    expect(page.locator(f"[data-item='{hostile_id}']")).to_have_count(0)
    page.screenshot(path=artifacts / "feedback-01-search-en.png", full_page=True)

    late = page.locator(f"[data-item='{late_id}']")
    late.locator("summary").click()
    corrected = "neutral" if late_sentiment != "neutral" else "negative"
    late.locator(f"#sentiment-{late_id}").select_option(corrected)
    late.locator("[data-testid=correction-form] button[type=submit]").click()
    # Back on the same filtered list, which the corrected text no longer matches.
    expect(page.locator("#sentiment")).to_have_value(late_sentiment)
    expect(page.locator(f"[data-item='{late_id}']")).to_have_count(0)
    page.goto(f"{live_server.url}/feedback?q=تاخر")
    late = page.locator(f"[data-item='{late_id}']")
    expect(late.locator("[data-testid=corrected]")).to_be_visible()
    expect(late.locator("[data-sentiment]")).to_have_attribute("data-sentiment", corrected)
    # The model's score no longer describes the analyst's label, so it is not shown.
    expect(late.locator("[data-sentiment] span")).to_have_count(0)

    page.click("[data-testid=switch-language]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(f"{live_server.url}/feedback?q=تاخر")
    expect(page.locator("h1")).to_have_text("الملاحظات")
    expect(page.locator(f"[data-item='{late_id}'] [data-testid=corrected]")).to_be_visible()
    page.screenshot(path=artifacts / "feedback-02-search-ar.png", full_page=True)

    assert dialogs == []  # the hostile text never ran as script
    page.click("[data-testid=switch-language]")  # leave the shared user in English
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    context.close()
