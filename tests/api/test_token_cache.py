"""API tokens are remembered per process for a few seconds; a revoke ends that at once in the
process that made it, and everywhere within `tokens.CACHE_SECONDS`."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.security import hash_api_token
from nabd.core.types import utcnow
from nabd.workspaces import tokens
from nabd.workspaces.models import ApiToken
from tests.factories import make_token, make_workspace


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_revoked_by_another_process_stops_working_within_the_cache_time(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(tokens, "recent", tokens.RecentTokens(tokens.CACHE_SECONDS, clock))
    token_id, plaintext = make_token(session, make_workspace(session))
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/workspace", headers=headers).status_code == 200
    # Revoked straight in the database, as another web process would: this process does
    # not hear of it, and keeps what it learnt for CACHE_SECONDS.
    session.get_one(ApiToken, token_id).revoked_at = utcnow()
    session.commit()
    clock.now += tokens.CACHE_SECONDS - 0.5
    assert client.get("/api/v1/workspace", headers=headers).status_code == 200
    clock.now += 1
    assert client.get("/api/v1/workspace", headers=headers).status_code == 401


def test_a_revoke_in_this_process_forgets_every_remembered_token(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    first_id, first = make_token(session, workspace)
    _second_id, second = make_token(session, workspace)
    for plaintext in (first, second):
        assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200
        assert tokens.recent.get(hash_api_token(plaintext)) is not None
    tokens.revoke_token(session, workspace_id=workspace.id, token_id=first_id, actor=SYSTEM_ACTOR)
    session.commit()
    assert tokens.recent.get(hash_api_token(second)) is None
    assert client.get("/api/v1/workspace", headers=_bearer(first)).status_code == 401
    # The other token still works (looked up again, then remembered again).
    assert client.get("/api/v1/workspace", headers=_bearer(second)).status_code == 200


def _bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}
