"""`GET /api/v1/metrics/{metric}`: the definitions, filters, groups, refusals and isolation."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.metrics import estimates
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.metrics.factories import answer, make_cx_survey

NPS_SCORES = [
    # (day of November 2026, nps, csat, ces, channel, language)
    (1, 10, 5, 7, "web", "ar"),
    (1, 9, 4, 6, "app", "en"),
    (2, 7, 3, 4, "web", "ar"),
    (15, 3, 1, 2, None, "ar"),
    (30, 0, 2, 1, "app", "en"),
    (30, 10, 5, 5, "web", "en"),
]


def _fill(session: Session) -> tuple[Workspace, str, int]:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    for day, nps, csat, ces, channel, language in NPS_SCORES:
        answer(
            session,
            survey,
            at=datetime(2026, 11, day, 8, tzinfo=UTC),
            scores={"nps": nps, "csat": csat, "ces": ces},
            channel=channel,
            language=language,
        )
    # Outside the range asked for below.
    answer(session, survey, at=datetime(2026, 10, 31, 23, 59, tzinfo=UTC), scores={"nps": 0})
    session.commit()
    _, token = make_token(session, workspace, Role.VIEWER)
    return workspace, token, survey.id


def _get(client: TestClient, token: str, path: str) -> dict[str, Any]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


NOVEMBER = "from=2026-11-01&to=2026-11-30"


def test_each_survey_metric_equals_its_definition(client: TestClient, session: Session) -> None:
    _, token, _ = _fill(session)
    column = {"nps": 1, "csat": 2, "ces": 3}
    expected = {
        "nps": estimates.nps_from_scores([row[column["nps"]] for row in NPS_SCORES]),
        "csat": estimates.csat_from_scores([row[column["csat"]] for row in NPS_SCORES]),
        "csat_mean": estimates.csat_mean_from_scores([row[column["csat"]] for row in NPS_SCORES]),
        "ces": estimates.ces_mean_from_scores([row[column["ces"]] for row in NPS_SCORES]),
        "ces_agree": estimates.ces_agree_from_scores([row[column["ces"]] for row in NPS_SCORES]),
    }
    for metric, estimate in expected.items():
        body = _get(client, token, f"/api/v1/metrics/{metric}?{NOVEMBER}")
        assert body["metric"] == metric
        assert body["n"] == 6
        assert body["value"] == estimate.value
        assert body["margin_of_error"] == estimate.margin_of_error
        assert body["groups"] == []


def test_nps_worked_example(client: TestClient, session: Session) -> None:
    """3 promoters, 1 passive, 2 detractors of 6: NPS 16.7 ± 1.96·100·√((.5+.333−.0278)/6)."""
    _, token, _ = _fill(session)
    body = _get(client, token, f"/api/v1/metrics/nps?{NOVEMBER}")
    assert round(body["value"], 4) == 16.6667
    assert round(body["margin_of_error"], 2) == 71.82


def test_groups_by_channel_month_and_language(client: TestClient, session: Session) -> None:
    _, token, _ = _fill(session)
    by_channel = _get(client, token, f"/api/v1/metrics/nps?{NOVEMBER}&group_by=channel")
    groups = {group["key"]: group for group in by_channel["groups"]}
    assert list(groups) == ["app", "web", None]
    assert groups["web"]["value"] == estimates.nps_from_scores([10, 7, 10]).value
    assert groups[None]["n"] == 1
    by_month = _get(
        client, token, "/api/v1/metrics/nps?from=2026-10-01&to=2026-11-30&group_by=month"
    )
    assert [(g["key"], g["n"]) for g in by_month["groups"]] == [("2026-10", 1), ("2026-11", 6)]
    assert by_month["n"] == 7
    by_week = _get(client, token, f"/api/v1/metrics/csat?{NOVEMBER}&group_by=week")
    assert [g["key"] for g in by_week["groups"]] == ["2026-W44", "2026-W45", "2026-W46", "2026-W49"]
    by_language = _get(client, token, f"/api/v1/metrics/ces?{NOVEMBER}&group_by=language")
    assert [(g["key"], g["n"]) for g in by_language["groups"]] == [("ar", 3), ("en", 3)]


def test_filters(client: TestClient, session: Session) -> None:
    _, token, survey_id = _fill(session)
    web = _get(client, token, f"/api/v1/metrics/nps?{NOVEMBER}&channel=web")
    assert (web["n"], web["value"]) == (3, estimates.nps_from_scores([10, 7, 10]).value)
    english = _get(client, token, f"/api/v1/metrics/nps?{NOVEMBER}&language=en")
    assert english["n"] == 3
    at_checkout = _get(client, token, f"/api/v1/metrics/nps?{NOVEMBER}&touchpoint=web_checkout")
    assert at_checkout["n"] == 6
    of_survey = _get(client, token, f"/api/v1/metrics/nps?{NOVEMBER}&survey_id={survey_id}")
    assert of_survey["n"] == 6
    one_day = _get(client, token, "/api/v1/metrics/nps?from=2026-11-30&to=2026-11-30")
    assert one_day["n"] == 2


def test_nothing_measured_is_null_not_zero(client: TestClient, session: Session) -> None:
    _, token, _ = _fill(session)
    body = _get(client, token, "/api/v1/metrics/nps?from=2020-01-01&to=2020-01-31")
    assert body == {"metric": "nps", "value": None, "n": 0, "margin_of_error": None, "groups": []}


def _refusal(client: TestClient, token: str, path: str) -> tuple[int, list[str]]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    details = response.json()["error"].get("details") or []
    return response.status_code, [detail["field"] for detail in details]


def test_bad_queries_are_refused_naming_the_field(client: TestClient, session: Session) -> None:
    _, token, _ = _fill(session)
    cases = {
        "/api/v1/metrics/nps?from=2026-13-01": ["from"],
        "/api/v1/metrics/nps?to=yesterday": ["to"],
        "/api/v1/metrics/nps?from=2026-11-30&to=2026-11-01": ["to"],
        "/api/v1/metrics/nps?group_by=hour": ["group_by"],
        "/api/v1/metrics/sentiment?group_by=segment": ["group_by"],
        "/api/v1/metrics/nps?segment_id=3": ["segment_id"],
        "/api/v1/metrics/nps?channel=fax": ["channel"],
        "/api/v1/metrics/nps?touchpoint=nowhere": ["touchpoint"],
        "/api/v1/metrics/churn_rate?channel=web": ["channel"],
        "/api/v1/metrics/churn_rate?group_by=channel": ["group_by"],
        "/api/v1/metrics/retention?group_by=week": ["group_by"],
        "/api/v1/metrics/response_rate?channel=web": ["channel"],
        "/api/v1/metrics/response_rate?group_by=month": ["group_by"],
        "/api/v1/metrics/sentiment?survey_id=1": ["survey_id"],
        "/api/v1/metrics/sentiment?group_by=week": ["group_by"],
    }
    for path, fields in cases.items():
        assert _refusal(client, token, path) == (422, fields), path
    assert _refusal(client, token, "/api/v1/metrics/happiness")[0] == 404


def test_another_workspace_sees_none_of_the_answers(client: TestClient, session: Session) -> None:
    _, _, survey_id = _fill(session)
    _, other_token = make_token(session, make_workspace(session, "other"), Role.ADMIN)
    body = _get(client, other_token, f"/api/v1/metrics/nps?{NOVEMBER}&survey_id={survey_id}")
    assert body["n"] == 0
    assert _get(client, other_token, f"/api/v1/metrics/nps?{NOVEMBER}")["n"] == 0
