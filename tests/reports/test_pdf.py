"""The overview PDF holds the overview's numbers, with Arabic shaped and laid out right to left."""

import re
import shutil
import subprocess
import sys
import types
from datetime import date, timedelta

import pytest
from babel.numbers import format_decimal
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.core.types import utcnow
from nabd.metrics.engine import compute_metric
from nabd.reports.overview import OverviewFilters
from nabd.workspaces.models import User, Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, sign_in
from tests.metrics.factories import answer, make_cx_survey

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
# pdftotext wraps right-to-left runs in embedding marks; they are not part of the text.
BIDI_MARKS = re.compile("[\u202a-\u202e]")


def pdf_lines(content: bytes) -> list[str]:
    """The PDF's text as laid out on the page: one line per row, columns left to right."""
    assert content.startswith(b"%PDF-")
    extracted = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    lines = (" ".join(BIDI_MARKS.sub("", line).split()) for line in extracted.splitlines())
    return [line for line in lines if line]


def _seed(session: Session, slug: str = "acme") -> tuple[Workspace, date]:
    workspace = make_workspace(session, slug)
    workspace.name = "متجر الرياض"
    survey = make_cx_survey(session, workspace)
    today = utcnow().replace(hour=8, minute=0, second=0, microsecond=0)
    for nps, csat, channel, days_ago in [(10, 5, "web", 1), (9, 4, "web", 2), (2, 1, "app", 3)]:
        answer(
            session,
            survey,
            at=today - timedelta(days=days_ago),
            scores={"nps": nps, "csat": csat},
            channel=channel,
        )
    answer(session, survey, at=today - timedelta(days=40), scores={"nps": 10}, channel="app")
    session.commit()
    return workspace, today.date()


def _sign_in(client: TestClient, session: Session, workspace: Workspace, language: str) -> None:
    member = make_member(session, workspace, Role.VIEWER)
    user = session.get(User, member.user_id)
    assert user is not None
    user.language = language
    session.commit()
    sign_in(client, member)


def _expected(
    session: Session, workspace: Workspace, filters: OverviewFilters, metric: str
) -> list[str]:
    """Value, margin of error and n as the PDF prints them, from the metrics engine."""
    result = compute_metric(
        session, workspace_id=workspace.id, metric=metric, query=filters.query()
    )
    assert result.value is not None and result.margin_of_error is not None
    return [
        format_decimal(round(result.value, 1), locale="en"),
        format_decimal(round(result.margin_of_error, 1), locale="en"),
        str(result.n),
    ]


def test_arabic_pdf_is_shaped_right_to_left_with_the_overview_numbers(
    client: TestClient, session: Session
) -> None:
    workspace, today = _seed(session)
    _sign_in(client, session, workspace, "ar")
    response = client.get("/overview.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="nabd-overview-')
    lines = pdf_lines(response.content)
    # The words come back in logical order from the shaped glyphs, so the text is real Arabic.
    assert lines[0] == "تجربة العمالء — متجر الرياض"  # pdftotext flips the لا ligature: "ال"
    assert "القناة :كل القنوات" in lines
    assert any(line.endswith("إتمام الشراء") for line in lines)  # the touchpoint's Arabic name
    filters = OverviewFilters(start=today - timedelta(days=29), end=today)
    nps = _expected(session, workspace, filters, "nps")
    csat = _expected(session, workspace, filters, "csat")
    assert nps == ["33.3", "106.7", "3"] and csat[0] == "66.7"
    # Right to left: the label is the rightmost column, the value just left of it.
    nps_row = " ".join(reversed(nps)) + " صافي نقاط الترويج"
    assert any(line.endswith(nps_row) for line in lines), lines
    csat_row = f"{csat[2]} {csat[1]} {csat[0]}% الرضا"
    assert any(csat_row in line and "CSAT" in line for line in lines)
    # A negative NPS keeps its minus sign before the digits.
    assert "1 0 -100 app" in lines


def test_english_pdf_follows_the_filters(client: TestClient, session: Session) -> None:
    workspace, today = _seed(session)
    _seed(session, "other")  # another workspace's answers must not count
    _sign_in(client, session, workspace, "en")
    start = (today - timedelta(days=29)).isoformat()
    lines = pdf_lines(client.get(f"/overview.pdf?from={start}&to={today}&channel=web").content)
    assert lines[0] == "Customer experience — متجر الرياض"
    assert f"From {start} to {today.isoformat()} (UTC)" in lines[1]
    assert "Channel: web" in lines
    filters = OverviewFilters(start=today - timedelta(days=29), end=today, channel="web")
    assert "NPS " + " ".join(_expected(session, workspace, filters, "nps")) + " — — —" in lines
    assert "Checkout 100 0 2" in lines
    assert client.get("/overview.pdf?from=2026-03-02&to=2026-03-01").status_code == 422


def test_a_server_without_pango_answers_503_and_keeps_serving(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WeasyPrint raises OSError when Pango cannot be loaded; only the export fails."""
    broken = types.ModuleType("weasyprint")

    def missing_pango(name: str) -> object:
        raise OSError("cannot load library 'libpango-1.0-0'")

    broken.__getattr__ = missing_pango  # type: ignore[method-assign]
    monkeypatch.setitem(sys.modules, "weasyprint", broken)
    workspace, _ = _seed(session)
    _sign_in(client, session, workspace, "en")
    response = client.get("/overview.pdf")
    assert response.status_code == 503
    assert "Pango" in response.text
    assert client.get("/").status_code == 200


def test_pdf_takes_every_overview_filter_and_names_it(client: TestClient, session: Session) -> None:
    workspace, _ = _seed(session)
    _sign_in(client, session, workspace, "en")
    lines = pdf_lines(client.get("/overview.pdf?touchpoint=web_checkout&language=ar").content)
    assert "Touchpoint: Checkout" in lines and "Language: Arabic" in lines
    unknown = client.get("/overview.pdf?touchpoint=nowhere")
    assert unknown.status_code == 422
    overview = client.get("/?touchpoint=web_checkout").text
    assert 'href="/overview.pdf?' in overview and "touchpoint=web_checkout" in overview
