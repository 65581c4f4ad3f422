"""`nabd.surveys.batch_lane`: response batches served past FastAPI answer exactly as the
route does, and everything the lane cannot vouch for is answered by the route itself (the
route's dependencies are pinned in tests/api/test_lane.py)."""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from nabd.feedback.models import FeedbackItem
from nabd.surveys import batch_lane
from nabd.surveys.api import batch_unit
from nabd.surveys.models import SurveyAnswer, SurveyResponse
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.customers.factories import make_places
from tests.events.factories import bearer
from tests.events.test_api import count
from tests.factories import make_workspace
from tests.lanes import RouteCalls, assert_refused_in_arabic, headers_of, in_arabic
from tests.surveys.factories import make_survey, question_ids

ARABIC = {"Accept-Language": "ar"}


@pytest.fixture
def workspace(session: Session) -> Workspace:
    """A workspace with the channel its batches name."""
    workspace = make_workspace(session)
    make_places(session, workspace)
    return workspace


def _path(survey_id: int) -> str:
    return f"/api/v1/surveys/{survey_id}/responses/batch"


def _batch(ids: dict[str, int], prefix: str) -> dict[str, Any]:
    """Good items and items the survey refuses (every one valid as an item, so the lane may
    serve the batch), so that the reply carries every kind of count and reason."""
    nps, text = ids["nps"], ids["what_went_wrong"]
    return {
        "responses": [
            {
                "idempotency_key": f"{prefix}-1",
                "customer": {"phone": "0501234567"},
                "channel": "web",
                "answers": [
                    {"question_id": nps, "value": 3},
                    {"question_id": text, "value": "late"},
                ],
            },
            {"idempotency_key": f"{prefix}-2", "answers": [{"question_id": nps, "value": 12}]},
            {"idempotency_key": f"{prefix}-1", "answers": [{"question_id": nps, "value": 9}]},
            {"answers": []},  # the NPS question is required
            {"channel": "fax", "answers": [{"question_id": nps, "value": 9}]},
            {"answers": [{"question_id": 0, "value": 9}]},
            {
                "idempotency_key": f"{prefix}-3",
                "language": "en",
                "submitted_at": "2026-11-01T09:30:00+03:00",
                "customer": {"external_id": "CRM-1"},
                "answers": [{"question_id": nps, "value": 10}],
            },
        ]
    }


def _stored(session: Session, survey_id: int) -> list[tuple[Any, ...]]:
    """The survey's responses as both paths store them (ids and times aside), with their
    answer and feedback counts."""
    session.expire_all()
    responses = session.execute(
        select(
            SurveyResponse.id,
            SurveyResponse.language,
            SurveyResponse.completed,
            SurveyResponse.channel_id,
            SurveyResponse.customer_id.is_(None),
        )
        .where(SurveyResponse.survey_id == survey_id)
        .order_by(SurveyResponse.id)
    ).all()
    stored = []
    for response_id, *columns in responses:
        answers = session.scalars(
            select(SurveyAnswer.number).where(SurveyAnswer.response_id == response_id)
        ).all()
        feedback = session.scalars(
            select(FeedbackItem.text).where(
                FeedbackItem.external_id.startswith(f"response:{response_id}:")
            )
        ).all()
        stored.append((*columns, sorted(answers, key=str), list(feedback)))
    return stored


def _weights(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The weights of the units the lane hands to the group commit."""
    weights: list[int] = []
    group_commit = app.state.group_commit
    run = group_commit.run

    async def recorded(work: Callable[[Session], Any], *, weight: int = 1) -> Any:
        weights.append(weight)
        return await run(work, weight=weight)

    monkeypatch.setattr(group_commit, "run", recorded)
    return weights


def test_a_cached_token_is_served_by_the_lane_with_the_routes_reply(
    app: FastAPI,
    client: TestClient,
    session: Session,
    workspace: Workspace,
    route_calls: RouteCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    weights = _weights(app, monkeypatch)
    first, second = make_survey(session, workspace), make_survey(session, workspace)
    headers = bearer(session, workspace) | ARABIC
    by_route = client.post(_path(first.id), json=_batch(question_ids(first), "a"), headers=headers)
    assert route_calls.count == 1  # the token was not known yet: the route authenticated it
    assert weights == []
    sent = _batch(question_ids(second), "b")
    by_lane = client.post(_path(second.id), json=sent, headers=headers)
    again = client.post(_path(second.id), json=sent, headers=headers)
    assert route_calls.count == 1
    assert weights == [7, 7]
    assert by_route.status_code == by_lane.status_code == again.status_code == 200
    assert headers_of(by_route) == headers_of(by_lane) == headers_of(again)
    assert by_route.content == by_lane.content
    reply = by_lane.json()
    assert (reply["accepted"], reply["duplicates"]) == (2, 1)
    assert [(r["index"], r["field"]) for r in reply["rejected"]] == [
        (1, "answers.0.value"),
        (3, "answers"),
        (4, "channel"),
        (5, "answers.0.question_id"),
    ]
    assert all(in_arabic(rejection["reason"]) for rejection in reply["rejected"])
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": reply["rejected"]}
    # Stored once, as the route stores it.
    assert _stored(session, second.id) == _stored(session, first.id)
    assert len(_stored(session, first.id)) == 2
    assert count(session, FeedbackItem) == 2


def test_the_lane_answers_every_body_as_the_route_does(
    client: TestClient,
    session: Session,
    workspace: Workspace,
    route_calls: RouteCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same bodies, once with the lane serving what it can and once with the route
    answering everything: the same replies, byte for byte, and the same rows."""
    headers = bearer(session, workspace) | {"Accept-Language": "en"}
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200  # now cached
    bodies: list[Any] = [
        {"responses": []},
        {},
        {"responses": [{"language": "fr"}]},
        {"responses": {"a": 1}},
        {"responses": [{}] * 1001},
        {"responses": [], "extra": 1},
        {"responses": ["x"]},
    ]
    raw_bodies = [b"{", b"[]", b'{"responses": [{"idempotency_key": "\\ud800"}]}']
    replies = {}
    for by_route in (False, True):
        survey = make_survey(session, workspace)
        nps = question_ids(survey)["nps"]
        good = [
            {
                "idempotency_key": f"{survey.id}-{n}",
                "language": "en" if n % 2 else "ar",
                "submitted_at": "2026-11-01T09:30:00+03:00" if n % 3 else None,
                "answers": [{"question_id": nps, "value": n % 11}],
            }
            for n in range(30)
        ]
        url = _path(survey.id)
        with monkeypatch.context() as patch:
            if by_route:
                patch.setattr(batch_lane, "parsed_body", lambda _body: None)
            else:  # good bodies must not reach the route
                patch.setattr("nabd.surveys.api.validated_items", None)
            calls = route_calls.count
            answers = [
                client.post(url, json={"responses": good}, headers=headers),
                client.post(url, json={"responses": good[:5]}, headers=headers),
            ]
            assert route_calls.count == calls + (2 if by_route else 0)
        for body in bodies:
            answers.append(client.post(url, json=body, headers=headers))
        for raw in raw_bodies:
            json_headers = headers | {"Content-Type": "application/json"}
            answers.append(client.post(url, content=raw, headers=json_headers))
        replies[by_route] = (
            [(reply.status_code, headers_of(reply), reply.content) for reply in answers],
            [row[:3] for row in _stored(session, survey.id)],
        )
    assert replies[False] == replies[True]
    assert [content for _, _, content in replies[False][0][:2]] == [
        b'{"accepted":30,"duplicates":0,"rejected":[]}',
        b'{"accepted":0,"duplicates":5,"rejected":[]}',
    ]


@pytest.mark.parametrize(
    ("sent", "status", "field"),
    [
        ({"headers": ARABIC}, 401, None),  # no token
        ({"headers": ARABIC | {"Authorization": "Bearer nabd_unknown"}}, 401, None),
        ({"content": b'{"responses": [}'}, 422, "15"),  # the position of the JSON error
        ({"json": {"responses": [{}] * 1001}}, 422, "responses"),
        ({"json": {"items": []}}, 422, "items"),
        ({"content": b'{"responses": []}', "content_type": "text/plain"}, 422, "body"),
        ({"survey": 10**6}, 404, None),
    ],
)
def test_what_the_lane_cannot_serve_gets_the_routes_refusal(
    client: TestClient,
    session: Session,
    workspace: Workspace,
    route_calls: RouteCalls,
    sent: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    survey = make_survey(session, workspace)
    body = _batch(question_ids(survey), "a")
    cached = bearer(session, workspace) | ARABIC
    assert client.post(_path(survey.id), json=body, headers=cached).status_code == 200
    calls, stored = route_calls.count, count(session, SurveyResponse)
    path = _path(sent.pop("survey", survey.id))
    content_type = sent.pop("content_type", "application/json")
    request = sent if "content" in sent else {"json": body} | sent
    request["headers"] = request.get("headers", cached) | {"Content-Type": content_type}
    refused = client.post(path, **request)
    assert_refused_in_arabic(refused, status=status, field=field)
    if sent.get("content") == b'{"responses": [}':
        assert route_calls.count == calls  # FastAPI refuses it before the route's session
    else:
        assert route_calls.count == calls + 1  # answered by the route
    assert count(session, SurveyResponse) == stored


def test_a_batch_with_a_bad_item_is_answered_by_the_route(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    """An item that is not valid as an item: the route rejects it alone, in the request's
    language, and stores the others."""
    survey = make_survey(session, workspace)
    ids = question_ids(survey)
    headers = bearer(session, workspace) | ARABIC
    assert client.post(_path(survey.id), json=_batch(ids, "a"), headers=headers)
    calls = route_calls.count
    items = [*_batch(ids, "b")["responses"], {"language": "fr"}]
    sent = client.post(_path(survey.id), json={"responses": items}, headers=headers)
    assert sent.status_code == 200
    reply = sent.json()
    assert (reply["accepted"], reply["duplicates"]) == (2, 1)
    assert reply["rejected"][-1]["index"] == 7 and reply["rejected"][-1]["field"] == "language"
    assert in_arabic(reply["rejected"][-1]["reason"])
    assert route_calls.count == calls + 1
    assert count(session, SurveyResponse) == 4


def test_a_role_without_the_permission_is_refused_by_the_route(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    survey = make_survey(session, workspace)
    headers = bearer(session, workspace, Role.VIEWER)
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200  # now cached
    calls = route_calls.count
    refused = client.post(_path(survey.id), json=_batch(question_ids(survey), "a"), headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert route_calls.count == calls + 1
    assert count(session, SurveyResponse) == 0


def test_a_unit_that_fails_in_the_lane_is_answered_by_the_route(
    client: TestClient,
    session: Session,
    workspace: Workspace,
    route_calls: RouteCalls,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The unit raises after storing its responses: its transaction is rolled back, and the
    route stores the batch once and answers."""
    survey = make_survey(session, workspace)
    ids = question_ids(survey)
    headers = bearer(session, workspace)
    assert client.post(_path(survey.id), json=_batch(ids, "a"), headers=headers)
    failures = []

    def failing(*arguments: Any, **keywords: Any) -> Callable[[Session], Response]:
        store = batch_unit(*arguments, **keywords)

        def unit(session: Session) -> Response:
            store(session)
            session.flush()
            failures.append(len(_stored(session, survey.id)))
            raise RuntimeError("the disk is full")

        return unit

    monkeypatch.setattr(batch_lane, "batch_unit", failing)
    calls = route_calls.count
    sent = client.post(_path(survey.id), json=_batch(ids, "b"), headers=headers)
    assert sent.status_code == 200
    assert (sent.json()["accepted"], sent.json()["duplicates"]) == (2, 1)
    assert failures == [4]  # the lane's unit had written its two responses
    assert route_calls.count == calls + 1
    assert count(session, SurveyResponse) == 4
    assert count(session, SurveyAnswer) == 6
    assert count(session, FeedbackItem) == 2
