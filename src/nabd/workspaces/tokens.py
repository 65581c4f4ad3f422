"""API tokens: issue (shown once), list, revoke, and authenticate a bearer token."""

import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.i18n import N_
from nabd.core.security import IssuedToken, hash_api_token, issue_api_token
from nabd.core.types import utcnow
from nabd.workspaces.errors import ApiTokenNotFound
from nabd.workspaces.models import ApiToken, Workspace
from nabd.workspaces.schemas import TokenCreate

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION_SECONDS = 60
# How long a process reuses what it learnt from a token (its workspace and role) without
# asking the database again. A revoke clears the process's own cache at once; another web
# process (`nabd serve --workers N`) may accept a revoked token for up to this long.
CACHE_SECONDS = 5.0


class RecentTokens:
    """Token digest → what authenticating it gave, for CACHE_SECONDS, shared by the threads
    of one process: the lookup (a join of two tables through the ORM) was the largest
    single cost of a small API write. Only live tokens are kept."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._seconds = seconds
        self._clock = clock
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, digest: str) -> Any | None:
        found = self._entries.get(digest)
        if found is None or found[0] <= self._clock():
            return None
        return found[1]

    def put(self, digest: str, value: Any) -> None:
        with self._lock:
            now = self._clock()
            if len(self._entries) >= 1024:  # forget the expired ones now and then
                self._entries = {d: e for d, e in self._entries.items() if e[0] > now}
            self._entries[digest] = (now + self._seconds, value)

    def clear(self) -> None:
        with self._lock:
            self._entries = {}


recent = RecentTokens(CACHE_SECONDS)


def create_token(
    session: Session,
    *,
    workspace_id: int,
    data: TokenCreate,
    actor: Actor,
    created_by_user_id: int | None = None,
) -> tuple[ApiToken, IssuedToken]:
    issued = issue_api_token()
    token = ApiToken(
        workspace_id=workspace_id,
        name=data.name,
        role=data.role,
        display_prefix=issued.display_prefix,
        token_digest=issued.digest,
        created_by_user_id=created_by_user_id,
    )
    session.add(token)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="token.create",
        object_type="api_token",
        object_id=token.id,
        details={"name": token.name, "role": token.role.value},
    )
    return token, issued


def list_tokens(session: Session, *, workspace_id: int) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.workspace_id == workspace_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, *, workspace_id: int, token_id: int, actor: Actor) -> ApiToken:
    token = session.scalar(
        select(ApiToken).where(ApiToken.workspace_id == workspace_id, ApiToken.id == token_id)
    )
    if token is None:
        raise ApiTokenNotFound(N_("API token not found."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        recent.clear()  # this process stops accepting it now, not in CACHE_SECONDS
        record_audit(
            session,
            workspace_id=workspace_id,
            actor=actor,
            action="token.revoke",
            object_type="api_token",
            object_id=token.id,
            details={"name": token.name},
        )
    return token


def authenticate_token(session: Session, *, plaintext: str) -> tuple[ApiToken, Workspace] | None:
    """The live token with this plaintext and its workspace, in one query (every API call
    pays for it)."""
    found = session.execute(
        select(ApiToken, Workspace)
        .join(Workspace, Workspace.id == ApiToken.workspace_id)
        .where(ApiToken.token_digest == hash_api_token(plaintext), ApiToken.revoked_at.is_(None))
    ).first()
    if found is None:
        return None
    token, workspace = found
    now = utcnow()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        token.last_used_at = now
    return token, workspace
