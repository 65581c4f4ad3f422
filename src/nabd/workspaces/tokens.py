"""API tokens: issue (shown once), list, revoke, and authenticate a bearer token."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.after_commit import call_after_commit
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
# asking the database again. A revoke, or a change of what a token's principal carries,
# clears the process's own cache once it commits; another web process
# (`nabd serve --workers N`) may act on the old state for up to this long.
CACHE_SECONDS = 5.0
# Tokens remembered per process at most (an integration uses a handful); beyond it the one
# remembered longest ago goes first.
CACHE_CAPACITY = 1024


class RecentTokens:
    """Token digest → what authenticating it gave, for `seconds`, shared by the threads of
    one process: the lookup (a join of two tables through the ORM) was the largest single
    cost of a small API write. Only live tokens are kept, at most `capacity` of them.

    Every entry lives the same `seconds` on a monotonic clock, so the order in which entries
    were (re)written is the order in which they expire: the expired ones and, when full, the
    oldest are popped from the front, in constant time per write.
    """

    def __init__(
        self,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = CACHE_CAPACITY,
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._capacity = capacity
        self._entries: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._generation = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def generation(self) -> int:
        """Read before the lookup whose result is then `put`: it changes at every `clear`."""
        return self._generation

    def get(self, digest: str) -> Any | None:
        found = self._entries.get(digest)
        if found is None or found[0] <= self._clock():
            return None
        return found[1]

    def put(self, digest: str, value: Any, *, generation: int) -> None:
        """Remember `value`, unless the cache was cleared since `generation` was read: the
        lookup that found `value` may have read a token that a commit has since revoked."""
        with self._lock:
            if generation != self._generation:
                return
            now = self._clock()
            self._entries[digest] = (now + self._seconds, value)
            self._entries.move_to_end(digest)
            while self._entries:
                expires, _value = next(iter(self._entries.values()))
                if expires > now and len(self._entries) <= self._capacity:
                    break
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1


recent = RecentTokens(CACHE_SECONDS)


def forget_recent_after_commit(session: Session) -> None:
    """Clear this process's remembered tokens once `session` commits (nothing on rollback).

    For every change to what a token's principal carries (the token's life and role, its
    workspace's name, language, time zone and phone region). Not before the commit: a request
    in between would read the old state and remember it for CACHE_SECONDS.
    """
    call_after_commit(session, recent.clear)


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
        forget_recent_after_commit(session)  # not accepted here once this commits
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
