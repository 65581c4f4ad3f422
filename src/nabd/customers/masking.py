"""Masking contact details for roles that do not need them, in pages and the API alike.

A constant policy rather than a setting: viewers and analysts work with profiles and
aggregates, not with reaching people, so they see `n***@example.com` and `+9665*****123`.
Admins and agents (who contact customers) see the full values.
"""

from nabd.workspaces.roles import Role

MASKED_ROLES = frozenset({Role.VIEWER, Role.ANALYST})
MASKED_KINDS = frozenset({"email", "phone"})
_PHONE_HEAD = 5
_PHONE_TAIL = 3


def sees_contact_details(role: Role) -> bool:
    return role not in MASKED_ROLES


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


def shown_identity(kind: str, value: str, role: Role) -> str:
    """The identity value as `role` may see it."""
    if kind not in MASKED_KINDS or sees_contact_details(role):
        return value
    return mask_email(value) if kind == "email" else mask_phone(value)
