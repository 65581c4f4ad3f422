"""Domain errors of workspaces, users and tokens."""

from nabd.core.errors import Conflict, NotAuthenticated, NotFound, ValidationFailed


class WorkspaceNotFound(NotFound):
    pass


class MembershipNotFound(NotFound):
    pass


class ApiTokenNotFound(NotFound):
    pass


class WorkspaceSlugTaken(Conflict):
    pass


class UserAlreadyMember(Conflict):
    pass


class InvalidCredentials(NotAuthenticated):
    pass


class LastAdminProtected(ValidationFailed):
    """Raised when a change would leave a workspace with no active admin."""
