"""`nabd.events.lane`: batches of events (and transactions) served past FastAPI answer exactly
as the route does,
and everything the lane cannot vouch for is answered by the route itself (the route's
dependencies are pinned in tests/api/test_lane.py)."""

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.responses import Response

from nabd.events.batch_requests import BatchRequest
from nabd.events.models import Event, Transaction
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.customers.factories import make_places
from tests.events.factories import bearer, event, transaction
from tests.events.test_api import count
from tests.factories import make_workspace
from tests.lanes import RouteCalls, assert_refused_in_arabic, headers_of, in_arabic

PATH = "/api/v1/events"


@pytest.fixture
def workspace(session: Session) -> Workspace:
    return make_workspace(session)


def _batch(prefix: str) -> dict[str, Any]:
    """Good events and bad ones, so that the reply carries every kind of count and reason."""
    return {
        "events": [
            event(f"{prefix}-1", touchpoint="checkout"),
            event(f"{prefix}-2", customer={"phone": "0501234567"}, minutes=3),
            event(f"{prefix}-1"),
            event(f"{prefix}-naive", timestamp="2026-05-01T08:00:00"),
            event(f"{prefix}-nowhere", touchpoint="nowhere"),
            "not an object",
        ]
    }


def test_a_cached_token_is_served_by_the_lane_with_the_routes_reply(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    make_places(session, workspace)
    headers = bearer(session, workspace) | {"Accept-Language": "ar"}
    by_route = client.post(PATH, json=_batch("a"), headers=headers)
    assert route_calls.count == 1  # the token was not known yet: the route authenticated it
    by_lane = client.post(PATH, json=_batch("b"), headers=headers)
    again = client.post(PATH, json=_batch("b"), headers=headers)
    assert route_calls.count == 1
    assert by_route.status_code == by_lane.status_code == again.status_code == 200
    assert headers_of(by_route) == headers_of(by_lane) == headers_of(again)
    assert by_route.content == by_lane.content
    reply = by_lane.json()
    assert (reply["accepted"], reply["duplicates"], len(reply["rejected"])) == (2, 1, 3)
    assert all(in_arabic(rejection["reason"]) for rejection in reply["rejected"])
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": reply["rejected"]}
    assert count(session, Event) == 4


ARABIC = {"Accept-Language": "ar"}


@pytest.mark.parametrize(
    ("sent", "status", "field"),
    [
        ({"headers": ARABIC}, 401, None),  # no token
        ({"headers": ARABIC | {"Authorization": "Bearer nabd_unknown"}}, 401, None),
        ({"content": b'{"events": [}'}, 422, "body"),
        ({"json": {"events": [event(f"e{n}") for n in range(1001)]}}, 422, "events"),
        ({"json": {"items": [event("e")]}}, 422, "events"),
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
    cached = bearer(session, workspace) | ARABIC | {"Content-Type": "application/json"}
    assert client.post(PATH, json=_batch("a"), headers=cached).status_code == 200
    calls, stored = route_calls.count, count(session, Event)
    refused = client.post(PATH, **({"headers": cached} | sent))
    assert_refused_in_arabic(refused, status=status, field=field)
    assert route_calls.count == calls + 1  # answered by the route
    assert count(session, Event) == stored


def test_a_role_without_the_permission_is_refused_by_the_route(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    headers = bearer(session, workspace, Role.VIEWER)
    assert client.get("/api/v1/surveys", headers=headers).status_code == 200  # now cached
    calls = route_calls.count
    refused = client.post(PATH, json=_batch("a"), headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert route_calls.count == calls + 1
    assert count(session, Event) == 0


def test_a_body_not_sent_as_json_is_left_to_the_route(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    """The route reads the raw body whatever its content type; the lane serves only JSON."""
    headers = bearer(session, workspace)
    assert client.post(PATH, json={"events": [event("a")]}, headers=headers).status_code == 200
    calls = route_calls.count
    body = b'{"events": [%s]}' % json.dumps(event("b")).encode()
    plain = client.post(PATH, content=body, headers=headers | {"Content-Type": "text/plain"})
    assert (plain.status_code, plain.json()) == (
        200,
        {"accepted": 1, "duplicates": 0, "rejected": []},
    )
    assert route_calls.count == calls + 1
    assert count(session, Event) == 2


@pytest.mark.parametrize(
    ("path", "batch", "stored"),
    [
        ("/api/v1/events", lambda *names: {"events": [event(n) for n in names]}, Event),
        (
            "/api/v1/transactions",
            lambda *names: {"transactions": [transaction(n) for n in names]},
            Transaction,
        ),
    ],
)
def test_a_unit_that_fails_in_the_lane_is_answered_by_the_route(
    client: TestClient,
    session: Session,
    workspace: Workspace,
    route_calls: RouteCalls,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    batch: Callable[..., dict[str, Any]],
    stored: type[Event | Transaction],
) -> None:
    """The lane's unit raises after storing its items: its transaction is rolled back, and
    the route (whose store is the same) stores the batch once and answers."""
    headers = bearer(session, workspace)
    assert client.post(path, json=batch("a"), headers=headers).status_code == 200
    failures = []
    store = BatchRequest.store

    def failing_once(request: BatchRequest, session: Session, **arguments: Any) -> Response:
        reply = store(request, session, **arguments)
        if not failures:
            session.flush()
            failures.append(arguments["workspace_id"])
            raise RuntimeError("the disk is full")
        return reply

    monkeypatch.setattr(BatchRequest, "store", failing_once)
    calls = route_calls.count
    sent = client.post(path, json=batch("b", "c"), headers=headers)
    assert (sent.status_code, sent.json()) == (
        200,
        {"accepted": 2, "duplicates": 0, "rejected": []},
    )
    assert failures == [workspace.id]
    assert route_calls.count == calls + 1
    assert count(session, stored) == 3


def _transactions(prefix: str) -> dict[str, Any]:
    return {
        "transactions": [
            transaction(f"{prefix}-1"),
            transaction(f"{prefix}-2", customer={"phone": "0501234567"}, channel="web"),
            transaction(f"{prefix}-1"),
            transaction(f"{prefix}-cheap", amount="-1"),
            transaction(f"{prefix}-nowhere", channel="nowhere"),
        ]
    }


def test_transactions_are_served_by_the_lane_with_the_routes_reply(
    client: TestClient, session: Session, workspace: Workspace, route_calls: RouteCalls
) -> None:
    make_places(session, workspace)
    headers = bearer(session, workspace) | {"Accept-Language": "ar"}
    path = "/api/v1/transactions"
    by_route = client.post(path, json=_transactions("a"), headers=headers)
    by_lane = client.post(path, json=_transactions("b"), headers=headers)
    assert route_calls.count == 1
    assert by_route.status_code == by_lane.status_code == 200
    assert headers_of(by_route) == headers_of(by_lane)
    assert by_route.content == by_lane.content
    reply = by_lane.json()
    assert (reply["accepted"], reply["duplicates"], len(reply["rejected"])) == (2, 1, 2)
    assert count(session, Transaction) == 4
    too_many = {"transactions": [transaction(f"t{n}") for n in range(1001)]}
    refused = client.post(path, json=too_many, headers=headers)
    assert refused.status_code == 422
    assert [d["field"] for d in refused.json()["error"]["details"]] == ["transactions"]
    assert route_calls.count == 2
    assert count(session, Transaction) == 4
