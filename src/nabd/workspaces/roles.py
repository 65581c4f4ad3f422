"""Roles and what each may do; least privilege, checked on every route."""

from enum import StrEnum

from nabd.core.i18n import N_


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    AGENT = "agent"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        """The catalogue message id of the role's display name."""
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.ADMIN: N_("Admin"),
    Role.ANALYST: N_("Analyst"),
    Role.AGENT: N_("Agent"),
    Role.VIEWER: N_("Viewer"),
}


class Permission(StrEnum):
    WORKSPACE_READ = "workspace:read"
    SETTINGS_MANAGE = "settings:manage"
    USERS_MANAGE = "users:manage"
    TOKENS_MANAGE = "tokens:manage"
    AUDIT_READ = "audit:read"
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_MANAGE = "customers:manage"
    CUSTOMERS_PRIVACY = "customers:privacy"
    SURVEYS_READ = "surveys:read"
    SURVEYS_WRITE = "surveys:write"
    JOURNEYS_WRITE = "journeys:write"
    EVENTS_WRITE = "events:write"
    DATA_IMPORT = "data:import"
    TEXT_ANALYZE = "text:analyze"
    TEXT_TOPICS_MANAGE = "text:topics"
    TEXT_MODELS_MANAGE = "text:models"
    GOALS_READ = "goals:read"
    METRICS_READ = "metrics:read"
    GOALS_WRITE = "goals:write"
    FEEDBACK_READ = "feedback:read"
    TEXT_CORRECT = "text:correct"
    SEGMENTS_READ = "segments:read"
    SEGMENTS_WRITE = "segments:write"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ANALYST: frozenset(
        {
            Permission.WORKSPACE_READ,
            Permission.CUSTOMERS_READ,
            Permission.SURVEYS_READ,
            Permission.SURVEYS_WRITE,
            Permission.JOURNEYS_WRITE,
            Permission.EVENTS_WRITE,
            Permission.DATA_IMPORT,
            Permission.TEXT_ANALYZE,
            Permission.TEXT_TOPICS_MANAGE,
            Permission.GOALS_READ,
            Permission.METRICS_READ,
            Permission.GOALS_WRITE,
            Permission.FEEDBACK_READ,
            Permission.TEXT_CORRECT,
            Permission.SEGMENTS_READ,
            Permission.SEGMENTS_WRITE,
        }
    ),
    Role.AGENT: frozenset(
        {
            Permission.WORKSPACE_READ,
            Permission.CUSTOMERS_READ,
            Permission.CUSTOMERS_MANAGE,
            Permission.SURVEYS_READ,
            Permission.GOALS_READ,
            Permission.METRICS_READ,
            Permission.FEEDBACK_READ,
            Permission.SEGMENTS_READ,
        }
    ),
    Role.VIEWER: frozenset(
        {
            Permission.WORKSPACE_READ,
            Permission.CUSTOMERS_READ,
            Permission.SURVEYS_READ,
            Permission.GOALS_READ,
            Permission.METRICS_READ,
            Permission.FEEDBACK_READ,
            Permission.SEGMENTS_READ,
        }
    ),
}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
