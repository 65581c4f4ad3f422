"""Masking contact details for roles that do not need them, in pages and the API alike.

Each workspace chooses which roles see `n***@example.com` and `+9665*****123` instead of the
full values; until it chooses, viewers and analysts (who work with profiles and aggregates,
not with reaching people) are masked. Admins always see everything: they answer data-subject
requests, which need the real values.
"""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.types import utcnow
from nabd.customers.models import CustomerPrivacySettings
from nabd.workspaces.roles import Role

DEFAULT_MASKED_ROLES = frozenset({Role.VIEWER, Role.ANALYST})
MASKABLE_ROLES = (Role.ANALYST, Role.AGENT, Role.VIEWER)
MASKED_KINDS = frozenset({"email", "phone"})
_PHONE_HEAD = 5
_PHONE_TAIL = 3


def masked_roles(session: Session, *, workspace_id: int) -> frozenset[Role]:
    """The roles this workspace shows masked contact details to."""
    stored = session.scalar(
        select(CustomerPrivacySettings.masked_roles).where(
            CustomerPrivacySettings.workspace_id == workspace_id
        )
    )
    if stored is None:
        return DEFAULT_MASKED_ROLES
    return frozenset(Role(role) for role in stored if role in MASKABLE_ROLES)


def set_masked_roles(
    session: Session, *, workspace_id: int, roles: Iterable[Role], actor: Actor
) -> frozenset[Role]:
    """Choose the masked roles (admins are never masked); the change is audited."""
    chosen = frozenset(role for role in roles if role in MASKABLE_ROLES)
    settings = session.scalar(
        select(CustomerPrivacySettings).where(CustomerPrivacySettings.workspace_id == workspace_id)
    )
    values = sorted(role.value for role in chosen)
    if settings is None:
        session.add(CustomerPrivacySettings(workspace_id=workspace_id, masked_roles=values))
    else:
        settings.masked_roles = values
        settings.updated_at = utcnow()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="customers.masking",
        object_type="workspace",
        object_id=workspace_id,
        details={"masked_roles": values},
    )
    session.flush()
    return chosen


def masks_contact_details(session: Session, *, workspace_id: int, role: Role) -> bool:
    return role in masked_roles(session, workspace_id=workspace_id)


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def mask_phone(value: str) -> str:
    if len(value) <= _PHONE_HEAD + _PHONE_TAIL:
        return "*" * len(value)
    hidden = len(value) - _PHONE_HEAD - _PHONE_TAIL
    return f"{value[:_PHONE_HEAD]}{'*' * hidden}{value[-_PHONE_TAIL:]}"


def shown_identity(kind: str, value: str, *, masked: bool) -> str:
    """The identity value as someone with (`masked`) or without masking may see it."""
    if kind not in MASKED_KINDS or not masked:
        return value
    return mask_email(value) if kind == "email" else mask_phone(value)
