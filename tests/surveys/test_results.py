"""Results equal a direct computation; exports keep Arabic intact; imports are idempotent."""

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.customers import service as customers
from nabd.imports.readers import read_rows
from nabd.journeys import service as journeys
from nabd.surveys import imports, results
from nabd.surveys.distribution_schemas import InvitationIn
from nabd.surveys.invitations import create_invitations
from nabd.surveys.models import SurveyDistribution
from nabd.surveys.responses import ResponseFilters, record_response
from nabd.surveys.schemas import ResponseIn
from nabd.workspaces.roles import Role
from tests.customers.factories import make_places
from tests.factories import csrf_from, make_member, make_workspace, sign_in
from tests.surveys.factories import NPS_SURVEY, make_survey, question_ids

SCORES = [
    (10, 5, "ممتاز"),
    (9, 4, None),
    (8, 4, None),
    (7, 2, "مقبول"),
    (3, 1, "سيئ جدًا"),
    (0, None, "لن أعود"),
    (6, 3, None),
]


def _fill(session: Session):  # type: ignore[no-untyped-def]
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    ids = question_ids(survey)
    for day, (nps, csat, text) in enumerate(SCORES, start=1):
        answers = [{"question_id": ids["nps"], "value": nps}]
        if csat is not None:
            answers.append({"question_id": ids["csat"], "value": csat})
        if text:
            key = "what_went_wrong" if nps <= 6 else "what_you_liked"
            answers.append({"question_id": ids[key], "value": text})
        record_response(
            session,
            survey=survey,
            data=ResponseIn.model_validate(
                {
                    "answers": answers,
                    "language": "ar" if day % 2 else "en",
                    "submitted_at": datetime(2026, day, 3, tzinfo=UTC),
                }
            ),
            default_language="ar",
        )
    session.commit()
    return workspace, survey


def test_summaries_equal_a_direct_computation(session: Session) -> None:
    _, survey = _fill(session)
    summary = results.survey_results(session, survey=survey, filters=ResponseFilters())
    by_key = {s.question.key: s for s in summary.questions}
    nps = [n for n, _, _ in SCORES]
    promoters = sum(n >= 9 for n in nps)
    detractors = sum(n <= 6 for n in nps)
    assert by_key["nps"].nps_groups == {"promoters": 2, "detractors": 3, "passives": 2}
    assert by_key["nps"].estimate.value == 100 * (promoters - detractors) / len(nps)
    csat = [c for _, c, _ in SCORES if c is not None]
    assert by_key["csat"].estimate.value == 100 * sum(c >= 4 for c in csat) / len(csat)
    assert summary.response_count == 7 and len(summary.by_month) == 7
    # Each open question keeps its own comments, newest first.
    assert [c.text for c in by_key["what_went_wrong"].comments] == ["لن أعود", "سيئ جدًا"]
    assert [c.text for c in by_key["what_you_liked"].comments] == ["مقبول", "ممتاز"]
    arabic = results.survey_results(session, survey=survey, filters=ResponseFilters(language="ar"))
    assert arabic.response_count == 4


def test_results_page_and_exports(client: TestClient, session: Session) -> None:
    workspace, survey = _fill(session)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get(f"/surveys/{survey.id}/results")
    assert page.status_code == 200
    assert 'data-testid="metric-nps">-14.3<' in page.text
    assert "لن أعود" in page.text and 'dir="auto"' in page.text
    filtered = client.get(f"/surveys/{survey.id}/results?from=2026-03-01&to=2026-03-31")
    assert 'data-testid="response-count">1<' in filtered.text

    exported = client.get(f"/surveys/{survey.id}/export.csv")
    assert exported.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["response_id", "submitted_at"] and "nps" in rows[0]
    assert len(rows) == 8 and any("لن أعود" in cell for cell in rows[6])
    workbook = load_workbook(io.BytesIO(client.get(f"/surveys/{survey.id}/export.xlsx").content))
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert len(sheet) == 8 and "لن أعود" in sheet[6]


def test_the_results_page_shows_each_questions_comments_and_the_response_rate(
    client: TestClient, session: Session
) -> None:
    workspace, survey = _fill(session)
    invited = [
        customers.create_customer(
            session,
            workspace_id=workspace.id,
            display_name=None,
            language="ar",
            attributes={},
            identities=[("external_id", f"inv-{number}")],
        ).id
        for number in range(4)
    ]
    links = create_invitations(
        session,
        workspace_id=workspace.id,
        survey_id=survey.id,
        data=InvitationIn(channel="link", customer_ids=invited),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    token = session.scalar(
        select(SurveyDistribution.token).where(SurveyDistribution.id == links[0].distribution_id)
    )
    form = client.get(f"/s/{token}")
    answered = client.post(
        f"/s/{token}",
        data={"csrf_token": csrf_from(form.text), f"q{question_ids(survey)['nps']}": "10"},
    )
    assert answered.status_code == 200
    sign_in(client, make_member(session, workspace, Role.VIEWER))

    page = client.get(f"/surveys/{survey.id}/results").text
    wrong = page.split('data-testid="comments-what_went_wrong"')[1].split("</ul>")[0]
    liked = page.split('data-testid="comments-what_you_liked"')[1].split("</ul>")[0]
    assert "لن أعود" in wrong and "ممتاز" not in wrong and "مقبول" not in wrong
    assert "ممتاز" in liked and "لن أعود" not in liked
    rates = page.split('data-testid="channel-rates"')[1].split("</table>")[0]
    assert '<td class="text-end">4</td><td class="text-end">1</td>' in rates
    assert "25%" in rates
    # Invitations are counted in the period they were sent: none before this year.
    earlier = client.get(f"/surveys/{survey.id}/results?to=2020-01-01").text
    assert "No invitations sent yet." in earlier.split('data-testid="channel-rates"')[1]


def test_import_round_trips_an_export_and_is_idempotent(session: Session, tmp_path: Path) -> None:
    _, source = _fill(session)
    target = make_survey(session, make_workspace(session, "beta"))
    from nabd.surveys.exports import to_csv

    path = tmp_path / "export.csv"
    path.write_bytes(to_csv(session, survey=source, filters=ResponseFilters()))
    report = imports.import_rows(
        session, survey=target, rows=read_rows(path), mapping={}, default_language="ar"
    )
    assert (report.accepted, report.duplicates, report.errors) == (7, 0, [])
    again = imports.import_rows(
        session, survey=target, rows=read_rows(path), mapping={}, default_language="ar"
    )
    assert (again.accepted, again.duplicates) == (0, 7)
    bad = tmp_path / "bad.csv"
    bad.write_text("Score,Comment\n11,x\n9,رائع\n", encoding="utf-8")
    mapped = imports.import_rows(
        session,
        survey=target,
        rows=read_rows(bad),
        mapping={"Score": "nps", "Comment": "what_you_liked"},
        default_language="ar",
    )
    assert mapped.accepted == 1 and str(mapped.errors[0]).startswith("row 2, column Score: ")


def test_text_questions_count_their_answers_and_english_labels_render(
    client: TestClient, session: Session
) -> None:
    workspace, survey = _fill(session)
    summary = results.survey_results(session, survey=survey, filters=ResponseFilters())
    by_key = {s.question.key: s for s in summary.questions}
    assert by_key["what_went_wrong"].answered == 2  # 3 and 0 left comments; 6 did not
    assert by_key["what_you_liked"].answered == 2
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get(f"/surveys/{survey.id}/results?lang=en").text
    assert 'data-testid="answered-what_went_wrong">2<' in page
    assert "% satisfied (4–5)" in page and "{}" not in page


def test_results_and_exports_filter_by_channel_touchpoint_and_language(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    channel, touchpoint = make_places(session, workspace)
    other = journeys.ensure_touchpoint(
        session,
        workspace_id=workspace.id,
        key="delivery",
        name_ar="التوصيل",
        name_en="Delivery",
        channel=channel,
    )
    survey = make_survey(session, workspace, {**NPS_SURVEY, "touchpoint_id": touchpoint.id})
    nps = question_ids(survey)["nps"]
    for score, channel_key, language in ((9, "web", "ar"), (4, None, "ar"), (10, "web", "en")):
        record_response(
            session,
            survey=survey,
            data=ResponseIn.model_validate(
                {
                    "channel": channel_key,
                    "language": language,
                    "answers": [{"question_id": nps, "value": score}],
                }
            ),
            default_language="ar",
        )
    session.commit()
    sign_in(client, make_member(session, workspace, Role.VIEWER))

    def count(query: str) -> str:
        page = client.get(f"/surveys/{survey.id}/results?{query}").text
        return page.split('data-testid="response-count">')[1].split("<")[0]

    assert count("") == "3"
    assert count(f"channel={channel.id}") == "2"
    assert count(f"channel={channel.id}&language=ar") == "1"
    assert count(f"touchpoint={touchpoint.id}") == "3"
    assert count(f"touchpoint={other.id}") == "0"
    exported = client.get(f"/surveys/{survey.id}/export.csv?channel={channel.id}&language=en")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    header = rows[0]
    assert header[-len(NPS_SURVEY["questions"]) :] == [q["key"] for q in NPS_SURVEY["questions"]]
    assert len(rows) == 2
    assert rows[1][header.index("channel")] == "web" and rows[1][header.index("nps")] == "10"
