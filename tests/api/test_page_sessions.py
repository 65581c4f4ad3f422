"""The cookie session serves pages and cookie-authenticated API reads; an API call with a
bearer token goes past it (nothing on it reads the session)."""

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from starlette.types import Message, Receive, Scope, Send

from nabd.api.app import PageSessions
from tests.factories import make_member, make_token, make_workspace, sign_in


def test_a_signed_in_browser_reads_the_api_by_its_cookie(
    client: TestClient, session: Session
) -> None:
    sign_in(client, make_member(session, make_workspace(session)))
    assert client.get("/api/v1/workspace").status_code == 200


def test_a_bearer_call_is_answered_with_the_security_headers(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace))
    _token_id, plaintext = make_token(session, workspace)
    reply = client.get("/api/v1/workspace", headers={"Authorization": f"Bearer {plaintext}"})
    assert reply.status_code == 200
    assert reply.headers["x-frame-options"] == "DENY"
    assert reply.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "authorization", "has_session"),
    [
        ("/api/v1/workspace", b"Bearer abc", False),
        ("/api/v1/workspace", b"bearer abc", False),
        ("/api/v1/workspace", None, True),  # a cookie-authenticated API read
        ("/surveys", b"Bearer abc", True),  # a page
    ],
)
def test_only_bearer_api_calls_skip_the_session(
    path: str, authorization: bytes | None, has_session: bool
) -> None:
    seen: list[bool] = []

    async def downstream(scope: Scope, _receive: Receive, _send: Send) -> None:
        seen.append("session" in scope)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(_message: Message) -> None:
        return None

    headers = [(b"authorization", authorization)] if authorization else []
    scope: dict[str, Any] = {"type": "http", "path": path, "headers": headers}
    middleware = PageSessions(downstream, secret_key="test-secret")
    asyncio.run(middleware(scope, receive, send))
    assert seen == [has_session]
