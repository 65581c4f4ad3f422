"""Cursor pagination: every item exactly once, opaque cursors, clear errors."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.core.errors import ValidationFailed
from nabd.core.pagination import decode_cursor, encode_cursor
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
    for garbage in ("not-base64!", encode_cursor(1)[:-3], "eyJhZnRlciI6ICJ4In0="):
        with pytest.raises(ValidationFailed):
            decode_cursor(garbage)


def test_walking_pages_returns_every_item_once(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    for index in range(7):
        make_member(session, workspace, Role.VIEWER, email=f"person{index}@acme.example")
    _, token = make_token(session, workspace)
    headers = {"Authorization": f"Bearer {token}"}
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/users?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).json()
        seen += [item["email"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7


def test_bad_paging_parameters_are_422_with_the_field(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _, token = make_token(session, workspace)
    headers = {"Authorization": f"Bearer {token}"}
    too_big = client.get("/api/v1/users?limit=1001", headers=headers)
    assert too_big.status_code == 422
    assert too_big.json()["error"]["details"][0]["field"] == "limit"
    bad_cursor = client.get("/api/v1/users?cursor=nonsense", headers=headers)
    assert bad_cursor.status_code == 422
    assert bad_cursor.json()["error"]["details"] == [
        {"field": "cursor", "reason": "Not a cursor returned by this API."}
    ]
    assert client.get("/api/v1/users?limit=1000", headers=headers).status_code == 200
