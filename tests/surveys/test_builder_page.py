"""The survey page says in words, in the reader's language, when a question is shown."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.workspaces.roles import Role
from tests.factories import csrf_from, make_member, make_workspace, sign_in
from tests.surveys.factories import make_survey


def _conditions(page: str) -> list[str]:
    parts = page.split('data-testid="question-condition">')[1:]
    return [part.split("</span>")[0] for part in parts]


def test_a_questions_condition_reads_as_words_in_both_languages(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    sign_in(client, make_member(session, workspace, Role.ANALYST))

    english = client.get(f"/surveys/{survey.id}").text
    assert _conditions(english) == [
        "Shown only when <bdi>nps</bdi> ≤ <bdi>6</bdi>",
        "Shown only when <bdi>nps</bdi> ≥ <bdi>7</bdi>",
    ]
    assert '"op"' not in english
    client.post("/preferences/language", data={"language": "ar", "csrf_token": csrf_from(english)})
    arabic = client.get(f"/surveys/{survey.id}").text
    assert _conditions(arabic)[0] == "يُعرض فقط عندما <bdi>nps</bdi> ≤ <bdi>6</bdi>"
