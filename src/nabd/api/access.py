"""Authentication and authorisation, deny-by-default.

Every route must declare its access policy with exactly one of `Depends(require(...))` or
`Depends(public)`; `enforce_declared_access` refuses any route that declares neither, so a
forgotten check fails closed rather than open.
"""

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from nabd.api.database import DbSession
from nabd.core.audit import Actor
from nabd.core.errors import NotAuthenticated, PermissionDenied
from nabd.core.i18n import N_
from nabd.core.security import hash_api_token, new_csrf_token, tokens_match
from nabd.workspaces import service as workspaces
from nabd.workspaces import tokens
from nabd.workspaces.models import User, Workspace
from nabd.workspaces.roles import Permission, Role, role_allows

PUBLIC = "public"
ACCESS_ATTRIBUTE = "nabd_access"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class WorkspaceRef:
    """The request's workspace as plain values, safe to read after a rollback."""

    id: int
    slug: str
    name: str
    default_language: str
    time_zone: str
    phone_region: str = "SA"

    @classmethod
    def of(cls, workspace: Workspace) -> "WorkspaceRef":
        return cls(
            id=workspace.id,
            slug=workspace.slug,
            name=workspace.name,
            default_language=workspace.default_language,
            time_zone=workspace.time_zone,
            phone_region=workspace.phone_region,
        )


@dataclass(frozen=True)
class UserRef:
    id: int
    email: str
    display_name: str
    language: str | None
    digits: str = "latin"
    calendar: str = "gregorian"

    @classmethod
    def of(cls, user: User) -> "UserRef":
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            language=user.language,
            digits=user.digits,
            calendar=user.calendar,
        )


@dataclass(frozen=True)
class TokenRef:
    id: int
    name: str


@dataclass(frozen=True)
class Principal:
    """Who is acting, in which workspace, with which role.

    Plain values rather than ORM objects: error pages still render them after the
    request's transaction has rolled back.
    """

    workspace: WorkspaceRef
    role: Role
    user: UserRef | None = None
    token: TokenRef | None = None
    workspace_choices: tuple[workspaces.WorkspaceChoice, ...] = ()

    @property
    def workspace_id(self) -> int:
        return self.workspace.id

    @property
    def actor(self) -> Actor:
        if self.user is not None:
            return Actor(kind="user", id=self.user.id, label=self.user.email)
        assert self.token is not None
        return Actor(kind="api_token", id=self.token.id, label=self.token.name)

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)


def is_api_request(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _bearer_token(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def _principal_from_token(session: Session, plaintext: str) -> Principal | None:
    # Read before the lookup: a revoke that commits after the lookup read the token as live
    # clears the cache, and then this principal is not remembered (`RecentTokens.put`).
    generation = tokens.recent.generation()
    found = tokens.authenticate_token(session, plaintext=plaintext)
    if found is None:
        return None
    token, workspace = found
    principal = Principal(
        workspace=WorkspaceRef.of(workspace),
        role=token.role,
        token=TokenRef(id=token.id, name=token.name),
    )
    tokens.recent.put(token.token_digest, principal, generation=generation)
    return principal


def _recent_token_principal(request: Request) -> Principal | None:
    """The principal of a bearer token authenticated in the last few seconds, without the
    database (`tokens.CACHE_SECONDS`)."""
    plaintext = _bearer_token(request)
    if plaintext is None:
        return None
    found = tokens.recent.get(hash_api_token(plaintext))
    return found if isinstance(found, Principal) else None


def cached_principal(request: Request, permission: Permission) -> Principal | None:
    """The principal `require(permission)` would admit without the database (a bearer token
    authenticated in the last few seconds, whose role grants `permission`); None when only
    `require` itself can decide (`nabd.api.lane`)."""
    principal = _recent_token_principal(request)
    if principal is None or not principal.can(permission):
        return None
    return principal


def _principal_from_session(request: Request, session: Session) -> Principal | None:
    user_id = request.session.get("user_id")
    workspace_id = request.session.get("workspace_id")
    if not isinstance(user_id, int) or not isinstance(workspace_id, int):
        return None
    membership = workspaces.find_active_membership(
        session, workspace_id=workspace_id, user_id=user_id
    )
    if membership is None:
        # Deactivated (or removed) since signing in: the session ends here.
        request.session.clear()
        return None
    workspace = workspaces.get_workspace(session, workspace_id=workspace_id)
    choices = workspaces.list_workspace_choices(session, user_id=user_id)
    return Principal(
        workspace=WorkspaceRef.of(workspace),
        role=membership.role,
        user=UserRef.of(membership.user),
        workspace_choices=tuple(choices),
    )


def resolve_principal(request: Request, session: Session) -> Principal | None:
    """Bearer tokens anywhere; the session cookie on pages and on read-only API calls.

    Cookie-authenticated API writes are refused so that the API needs no CSRF token.
    """
    plaintext = _bearer_token(request)
    if plaintext is not None:
        principal = _principal_from_token(session, plaintext)
        if principal is None:
            raise NotAuthenticated(N_("Invalid or revoked API token."))
        return principal
    if is_api_request(request) and request.method not in SAFE_METHODS:
        return None
    return _principal_from_session(request, session)


def require(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only principals whose role grants `permission`."""

    async def dependency(request: Request, session: DbSession) -> Principal:
        # Async, with the database only on a worker thread: a token seen in the last
        # seconds (every call of an integration) costs no hop to a thread at all.
        principal = _recent_token_principal(request)
        if principal is None:
            principal = await run_in_threadpool(resolve_principal, request, session)
        if principal is None:
            raise NotAuthenticated(N_("Sign in or send a bearer token."))
        # Known before the permission check, so a refusal page still has the user's
        # navigation and language.
        request.state.principal = principal
        if not principal.can(permission):
            raise PermissionDenied(N_("Your role does not allow this."))
        return principal

    setattr(dependency, ACCESS_ATTRIBUTE, permission)
    return dependency


async def public() -> None:
    """Marks a route as open to anonymous visitors (the explicit allow-list).

    Async, like `enforce_declared_access`: FastAPI runs a sync dependency on a worker
    thread, a hop that costs more than these checks themselves.
    """


setattr(public, ACCESS_ATTRIBUTE, PUBLIC)


def _declared_access(dependant: Dependant) -> Any:
    for dependency in dependant.dependencies:
        declared = getattr(dependency.call, ACCESS_ATTRIBUTE, None)
        if declared is not None:
            return declared
        nested = _declared_access(dependency)
        if nested is not None:
            return nested
    return None


def route_access(route: APIRoute | RouteContext) -> Any:
    """The permission (or PUBLIC) a route declares; None when it declares nothing."""
    return _declared_access(route.dependant)


def api_routes(app: FastAPI) -> Iterator[RouteContext]:
    """Every endpoint as served, with the dependencies of the routers that include it."""
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


async def enforce_declared_access(request: Request) -> None:
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and route_access(route) is None:
        raise PermissionDenied(N_("This route declares no access policy."))


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (anonymous visitors get one too)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Every state-changing form post must echo the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get("x-csrf-token")
    if submitted is None:
        form = await request.form()
        value = form.get("csrf_token")
        submitted = value if isinstance(value, str) else None
    if not tokens_match(request.session.get("csrf"), submitted):
        raise PermissionDenied(
            N_("The form expired or was not sent by nabd. Reload and try again.")
        )
