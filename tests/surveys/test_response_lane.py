"""`nabd.surveys.response_lane`: single responses served past FastAPI answer exactly as the
route does, and everything the lane cannot vouch for is answered by the route itself (the
route's dependencies are pinned in tests/api/test_lane.py)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.surveys.models import SurveyResponse
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.lanes import RouteCalls, assert_refused_in_arabic, headers_of
from tests.surveys.factories import make_survey, question_ids


@pytest.fixture
def workspace(session: Session) -> Workspace:
    return make_workspace(session)


def _bearer(session: Session, workspace: Workspace, role: Role = Role.ANALYST) -> dict[str, str]:
    _, token = make_token(session, workspace, role)
    return {"Authorization": f"Bearer {token}"}


def _body(ids: dict[str, int], score: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "customer": {"external_id": "c-1"},
        "answers": [
            {"question_id": ids["nps"], "value": score},
            {"question_id": ids["what_went_wrong"], "value": "late"},
        ],
        **extra,
    }


def _stored(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(SurveyResponse.id))) or 0


def test_a_cached_token_is_served_by_the_lane_with_the_routes_reply(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    survey = make_survey(session, workspace)
    ids = question_ids(survey)
    headers = _bearer(session, workspace)
    path = f"/api/v1/surveys/{survey.id}/responses"
    by_route = client.post(path, json=_body(ids), headers=headers | {"Idempotency-Key": "a"})
    assert route_calls.count == 1  # the token was not known yet: the route authenticated it
    by_lane = client.post(path, json=_body(ids), headers=headers | {"Idempotency-Key": "b"})
    assert route_calls.count == 1
    assert by_route.status_code == by_lane.status_code == 201
    assert headers_of(by_route) == headers_of(by_lane)
    first, second = by_route.json(), by_lane.json()
    assert second["id"] == first["id"] + 1
    volatile = ("id", "submitted_at", "received_at", "completed_at")
    assert {k: v for k, v in first.items() if k not in volatile} == {
        k: v for k, v in second.items() if k not in volatile
    }
    again = client.post(path, json=_body(ids, 9), headers=headers | {"Idempotency-Key": "b"})
    assert again.status_code == 200 and again.json() == second  # the first result, once
    assert route_calls.count == 1
    assert _stored(session) == 2


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"answers": [{"question_id": 0, "value": 3}]}, 422, "answers.0.question_id"),
        ({"language": "fr"}, 422, "language"),
        ({"channel": "fax"}, 422, "channel"),
        ({"survey": 10**6}, 404, None),
        ({"key": "k" * 201}, 422, "Idempotency-Key"),
        ({"content": b"{not json"}, 422, "1"),  # the position of the JSON error
    ],
)
def test_what_the_lane_cannot_serve_gets_the_routes_refusal(
    client: TestClient,
    session: Session,
    workspace: Workspace,
    route_calls: RouteCalls,
    change: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    survey = make_survey(session, workspace)
    ids = question_ids(survey)
    headers = _bearer(session, workspace) | {"Accept-Language": "ar"}
    path = f"/api/v1/surveys/{change.pop('survey', survey.id)}/responses"
    assert client.post(f"/api/v1/surveys/{survey.id}/responses", json=_body(ids), headers=headers)
    calls, stored = route_calls.count, _stored(session)
    key = {"Idempotency-Key": change.pop("key", "k")}
    if "content" in change:
        sent = client.post(
            path,
            content=change["content"],
            headers=headers | key | {"Content-Type": "application/json"},
        )
    else:
        sent = client.post(path, json=_body(ids) | change, headers=headers | key)
    assert_refused_in_arabic(sent, status=status, field=field)
    if "content" not in change:  # FastAPI refuses that before opening the route's session
        assert route_calls.count == calls + 1  # answered by the route
    assert _stored(session) == stored


def test_a_role_without_the_permission_is_refused_by_the_route(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    survey = make_survey(session, workspace)
    headers = _bearer(session, workspace, Role.VIEWER)
    path = f"/api/v1/surveys/{survey.id}/responses"
    body = _body(question_ids(survey))
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200  # now cached
    calls = route_calls.count
    refused = client.post(path, json=body, headers=headers)
    assert refused.status_code == 403
    assert route_calls.count == calls + 1
    assert _stored(session) == 0


def test_a_unit_that_fails_in_the_lane_is_answered_by_the_route(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    """A key already used for another survey: the unit raises in the lane (nothing stored),
    and the route gives its own 422."""
    first, second = make_survey(session, workspace), make_survey(session, workspace)
    headers = _bearer(session, workspace) | {"Idempotency-Key": "shared"}
    body = _body(question_ids(first))
    assert client.post(f"/api/v1/surveys/{first.id}/responses", json=body, headers=headers)
    calls = route_calls.count
    other = client.post(
        f"/api/v1/surveys/{second.id}/responses",
        json=_body(question_ids(second)),
        headers=headers,
    )
    assert other.status_code == 422
    assert other.json()["error"]["details"] == [
        {"field": "Idempotency-Key", "reason": "This key was used for another survey."}
    ]
    assert route_calls.count == calls + 1
    assert _stored(session) == 1
