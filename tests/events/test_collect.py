"""The website snippet's public endpoint, its write key, and the snippet file itself."""

import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.customers.models import CustomerIdentity
from nabd.events.models import Event
from nabd.workspaces.roles import Role
from tests.customers.factories import make_customer
from tests.events.factories import T0, bearer
from tests.factories import make_workspace


def write_key(client: TestClient, session: Session, workspace) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/write-key", headers=bearer(session, workspace, Role.ADMIN))
    assert response.status_code == 200, response.text
    return response.json()["key"]


def beacon(key: str, *items: dict, user_id: str | None = None) -> str:  # type: ignore[type-arg]
    payload = {"write_key": key, "anonymous_id": "anon-1", "batch": list(items)}
    if user_id:
        payload["user_id"] = user_id
    return json.dumps(payload)


def page_view(event_id: str) -> dict[str, object]:
    return {
        "kind": "track",
        "event_id": event_id,
        "type": "page_view",
        "timestamp": T0.isoformat(),
        "properties": {"path": "/offers"},
    }


def test_the_snippet_posts_text_plain_with_the_write_key(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    key = write_key(client, session, workspace)
    known = make_customer(session, workspace, "Huda", external_id="user-5")
    body = beacon(
        key,
        page_view("p1"),
        {
            "kind": "identify",
            "event_id": "i1",
            "user_id": "user-5",
            "timestamp": T0.isoformat(),
            "traits": {"plan": "pro"},
        },
        page_view("p1"),
    )
    response = client.post(
        "/api/v1/collect", content=body, headers={"Content-Type": "text/plain;charset=UTF-8"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.json() == {"accepted": 2, "duplicates": 1, "rejected": []}
    # By type: PostgreSQL stores a batch's events in event id order (docs/ingestion.md).
    events = {e.type: e for e in session.scalars(select(Event))}
    assert {kind: e.customer_id for kind, e in events.items()} == {
        "page_view": known.id,
        "identify": known.id,
    }
    assert events["identify"].properties == {"plan": "pro"}
    anonymous = session.scalar(
        select(CustomerIdentity.customer_id).where(CustomerIdentity.kind == "anonymous_id")
    )
    assert anonymous == known.id


def test_unknown_or_rotated_keys_are_refused(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    old = write_key(client, session, workspace)
    new = write_key(client, session, workspace)
    assert old != new
    for key in (old, "nabd_pk_guess"):
        response = client.post("/api/v1/collect", content=beacon(key, page_view("x")))
        assert response.status_code == 401
    assert client.post("/api/v1/collect", content=beacon(new, page_view("x"))).status_code == 200
    shown = client.get("/api/v1/write-key", headers=bearer(session, workspace, Role.ADMIN))
    assert shown.json() == {"key": new}
    assert client.get("/api/v1/write-key", headers=bearer(session, workspace)).status_code == 403


def test_collect_refuses_bad_bodies_and_floods(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    key = write_key(client, session, workspace)
    assert client.post("/api/v1/collect", content="not json").status_code == 422
    assert client.post("/api/v1/collect", content="x" * 70_000).status_code == 422
    client.app.state.settings.collect_rate_limit = "2/minute"  # type: ignore[attr-defined]
    statuses = [
        client.post("/api/v1/collect", content=beacon(key, page_view(f"f{i}"))).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_the_snippet_is_served_by_nabd(client: TestClient) -> None:
    response = client.get("/static/nabd.js")
    assert response.status_code == 200
    script = response.text
    for needle in ("sendBeacon", "/api/v1/collect", "identify", "page", "track"):
        assert needle in script
    # The pages' own behaviours live apart, so customers' sites never load them.
    assert "htmx" not in script
    assert "htmx:configRequest" in client.get("/static/app.js").text
    assert '<script src="/static/app.js"></script>' in client.get("/login").text
