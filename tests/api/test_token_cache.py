"""API tokens are remembered per process for a few seconds; a revoke (or a change of what a
token's principal carries) ends that as soon as it commits in the process that made it, and
everywhere within `tokens.CACHE_SECONDS`."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.api import access
from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.security import hash_api_token
from nabd.core.types import utcnow
from nabd.workspaces import service, tokens
from nabd.workspaces.models import ApiToken, Workspace
from nabd.workspaces.schemas import WorkspacePatch
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


def test_a_request_made_while_a_revoke_is_uncommitted_is_forgotten_at_its_commit(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(tokens, "recent", tokens.RecentTokens(tokens.CACHE_SECONDS, clock))
    workspace = make_workspace(session)
    token_id, plaintext = make_token(session, workspace)
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200
    clock.now += tokens.CACHE_SECONDS + 1  # looked up in the database again from here
    tokens.revoke_token(session, workspace_id=workspace.id, token_id=token_id, actor=SYSTEM_ACTOR)
    session.flush()
    # Another request before the revoke commits still sees the token live, and remembers it.
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200
    session.commit()
    assert tokens.recent.get(hash_api_token(plaintext)) is None
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 401


def test_a_lookup_that_read_the_token_before_a_revoke_committed_is_not_remembered(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace(session)
    token_id, plaintext = make_token(session, workspace)
    lookup = tokens.authenticate_token

    def lookup_then_revoke(
        lookup_session: Session, *, plaintext: str
    ) -> tuple[ApiToken, Workspace] | None:
        found = lookup(lookup_session, plaintext=plaintext)
        # The revoke commits between this request's lookup and its caching of the result.
        tokens.revoke_token(
            session, workspace_id=workspace.id, token_id=token_id, actor=SYSTEM_ACTOR
        )
        session.commit()
        return found

    monkeypatch.setattr(tokens, "authenticate_token", lookup_then_revoke)
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200
    monkeypatch.setattr(tokens, "authenticate_token", lookup)
    assert tokens.recent.get(hash_api_token(plaintext)) is None
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 401


def test_a_rolled_back_revoke_changes_nothing(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    token_id, plaintext = make_token(session, workspace)
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200
    tokens.revoke_token(session, workspace_id=workspace.id, token_id=token_id, actor=SYSTEM_ACTOR)
    session.rollback()
    assert tokens.recent.get(hash_api_token(plaintext)) is not None
    session.commit()  # a later transaction's commit does not run the rolled-back clear
    assert tokens.recent.get(hash_api_token(plaintext)) is not None
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200


@pytest.mark.parametrize(
    "changes",
    [{"phone_region": "EG"}, {"default_language": "ar"}, {"time_zone": "UTC"}, {"name": "New"}],
)
def test_a_workspace_change_reaches_remembered_principals_once_it_commits(
    client: TestClient, session: Session, changes: dict[str, str]
) -> None:
    workspace = make_workspace(session)
    _token_id, plaintext = make_token(session, workspace)
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200
    service.update_workspace(
        session,
        workspace_id=workspace.id,
        changes=WorkspacePatch.model_validate(changes),
        actor=SYSTEM_ACTOR,
    )
    session.flush()
    assert tokens.recent.get(hash_api_token(plaintext)) is not None  # not before the commit
    session.commit()
    assert tokens.recent.get(hash_api_token(plaintext)) is None
    assert client.get("/api/v1/workspace", headers=_bearer(plaintext)).status_code == 200
    principal = tokens.recent.get(hash_api_token(plaintext))
    assert isinstance(principal, access.Principal)
    field, value = next(iter(changes.items()))
    assert getattr(principal.workspace, field) == value


def test_the_cache_holds_at_most_its_capacity_and_drops_the_oldest_first() -> None:
    clock = FakeClock()
    recent = tokens.RecentTokens(5.0, clock, capacity=100)
    for number in range(250):  # all live: none has reached its 5 s
        clock.now += 0.001
        recent.put(f"digest-{number}", number, generation=recent.generation())
    assert len(recent) == 100
    assert recent.get("digest-149") is None
    assert [recent.get(f"digest-{number}") for number in (150, 249)] == [150, 249]
    # Writing a remembered token again makes it the newest.
    recent.put("digest-150", 150, generation=recent.generation())
    recent.put("digest-new", -1, generation=recent.generation())
    assert recent.get("digest-150") == 150
    assert recent.get("digest-151") is None


def test_expired_tokens_leave_the_cache_at_the_next_write() -> None:
    clock = FakeClock()
    recent = tokens.RecentTokens(5.0, clock, capacity=100)
    for number in range(50):
        recent.put(f"digest-{number}", number, generation=recent.generation())
    clock.now += 5.0
    recent.put("digest-late", -1, generation=recent.generation())
    assert len(recent) == 1
    assert recent.get("digest-late") == -1


def _bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}
