"""The respondent's page: Arabic RTL, partial responses, personal links, rate limits."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.api.app import create_app
from nabd.config import Settings
from nabd.feedback.models import FeedbackItem
from nabd.surveys.models import SurveyResponse
from tests.factories import csrf_from, make_workspace
from tests.surveys.factories import make_link, make_survey, question_ids


def _scale_values(html: str, field: str) -> list[int]:
    return [int(v) for v in re.findall(rf'name="{field}" id="[^"]+" value="(\d+)"', html)]


def test_arabic_page_is_rtl_and_partial_answers_count(client: TestClient, session: Session) -> None:
    survey = make_survey(session, make_workspace(session))
    ids = question_ids(survey)
    link = make_link(session, survey)
    page = client.get(f"/s/{link.token}", headers={"Accept-Language": "ar"})
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "ما مدى احتمال أن توصي بنا؟" in page.text
    # Document order 0…10; in an RTL grid the first cell is on the right.
    assert _scale_values(page.text, f"q{ids['nps']}") == list(range(11))
    assert "<script" not in page.text

    missing = client.post(
        f"/s/{link.token}", data={"csrf_token": csrf_from(page.text), "lang": "ar"}
    )
    assert missing.status_code == 422 and "هذا السؤال مطلوب." in missing.text
    first = client.post(
        f"/s/{link.token}",
        data={"csrf_token": csrf_from(page.text), f"q{ids['nps']}": "4", "lang": "ar"},
        follow_redirects=False,
    )
    assert first.status_code == 303
    partial = session.scalar(select(SurveyResponse))
    assert partial.completed is False and partial.answers[0].number == 4
    assert partial.language == "ar" and partial.invitation_id == link.id

    follow = client.get(first.headers["location"])
    assert "ما الذي لم يعجبك؟" in follow.text and "ما الذي أعجبك؟" not in follow.text
    done = client.post(
        f"/s/{link.token}",
        data={
            "csrf_token": csrf_from(follow.text),
            f"q{ids['what_went_wrong']}": "<script>alert(1)</script> التوصيل متأخر",
            "lang": "ar",
        },
    )
    assert done.status_code == 200 and "شكرًا لك!" in done.text
    assert "<script>alert(1)" not in done.text
    session.expire_all()
    response = session.get(SurveyResponse, partial.id)
    assert response.completed and len(response.answers) == 2
    assert session.scalar(select(func.count(FeedbackItem.id))) == 1


def test_english_switch_and_wrong_type_message(client: TestClient, session: Session) -> None:
    survey = make_survey(session, make_workspace(session))
    link = make_link(session, survey)
    page = client.get(f"/s/{link.token}?lang=en", headers={"Accept-Language": "ar"})
    assert 'dir="ltr"' in page.text and "How likely are you to recommend us?" in page.text
    bad = client.post(
        f"/s/{link.token}",
        data={
            "csrf_token": csrf_from(page.text),
            f"q{question_ids(survey)['nps']}": "11",
            "lang": "en",
        },
    )
    assert bad.status_code == 422 and "Must be between 0 and 10." in bad.text


def test_personal_link_is_answered_once(client: TestClient, session: Session) -> None:
    survey = make_survey(session, make_workspace(session))
    link = make_link(session, survey, email="noura@example.com", language="ar")
    ids = question_ids(survey)
    page = client.get(f"/s/{link.token}")
    client.post(
        f"/s/{link.token}", data={"csrf_token": csrf_from(page.text), f"q{ids['nps']}": "10"}
    )
    page = client.get(f"/s/{link.token}")
    finished = client.post(f"/s/{link.token}", data={"csrf_token": csrf_from(page.text)})
    assert finished.status_code == 200
    with TestClient(client.app) as other_browser:
        again = other_browser.get(f"/s/{link.token}")
        assert again.status_code == 409 and "لقد أجبت عن هذا الاستبيان" in again.text
    response = session.scalar(select(SurveyResponse))
    assert response.customer_id == link.customer_id and response.completed


def test_anonymous_link_is_rate_limited_per_address(
    settings: Settings, engine: object, session: Session
) -> None:
    app = create_app(settings.model_copy(update={"survey_rate_limit": "2/hour"}), engine=engine)  # type: ignore[arg-type]
    survey = make_survey(session, make_workspace(session))
    link = make_link(session, survey)
    nps = question_ids(survey)["nps"]
    statuses = []
    with TestClient(app) as client:
        for _ in range(3):
            client.cookies.clear()
            page = client.get(f"/s/{link.token}")
            answer = client.post(
                f"/s/{link.token}",
                data={"csrf_token": csrf_from(page.text), f"q{nps}": "8"},
                follow_redirects=False,
            )
            statuses.append(answer.status_code)
    assert statuses == [303, 303, 429]
    assert session.scalar(select(func.count(SurveyResponse.id))) == 2


def test_closed_survey_and_unknown_link(client: TestClient, session: Session) -> None:
    survey = make_survey(session, make_workspace(session))
    survey.status = "closed"
    session.commit()
    link = make_link(session, survey)
    assert client.get(f"/s/{link.token}").status_code == 410
    assert client.get("/s/not-a-token").status_code == 404
