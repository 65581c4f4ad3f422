"""Public write keys: what a website snippet sends to add events to one workspace."""

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.errors import NotFound
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.events.models import WriteKey

KEY_PREFIX = "nabd_pk_"


class WriteKeyNotFound(NotFound):
    pass


def active_write_key(session: Session, *, workspace_id: int) -> WriteKey:
    key = session.scalar(
        select(WriteKey).where(WriteKey.workspace_id == workspace_id, WriteKey.revoked_at.is_(None))
    )
    if key is None:
        raise WriteKeyNotFound(N_("This workspace has no write key yet; create one first."))
    return key


def rotate_write_key(session: Session, *, workspace_id: int, actor: Actor) -> WriteKey:
    """Issue a new key; the previous one stops working at once."""
    now = utcnow()
    session.execute(
        update(WriteKey)
        .where(WriteKey.workspace_id == workspace_id, WriteKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    key = WriteKey(
        workspace_id=workspace_id, key=KEY_PREFIX + secrets.token_urlsafe(24), created_at=now
    )
    session.add(key)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="write_key.rotate",
        object_type="write_key",
        object_id=key.id,
    )
    return key


def workspace_of_write_key(session: Session, *, key: str) -> int | None:
    """The workspace an active key belongs to; None for unknown or revoked keys."""
    if not key.startswith(KEY_PREFIX):
        return None
    return session.scalar(
        select(WriteKey.workspace_id).where(WriteKey.key == key, WriteKey.revoked_at.is_(None))
    )
