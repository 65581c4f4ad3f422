"""API tokens: issue (shown once), list, revoke, and authenticate a bearer token."""

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
