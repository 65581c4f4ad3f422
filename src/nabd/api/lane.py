"""The hot write endpoints served in front of FastAPI's routing and dependency solving.

Per request, matching the route among the app's routers, solving its dependencies
(`enforce_declared_access`, `require`, the request's database session and its exit stack),
reading the body through FastAPI and the hop to a worker thread cost about as much CPU as
storing a single survey response, and about a tenth of a batch of 500 events
(bench/README.md). `Lane` serves a few registered routes (`LaneRoute`) itself when
everything the route checks before it writes is known to pass. The checks every lane route
shares are made here, once:

- the method and the path (`path_pattern`: no wider than the route's own path parameters);
- a bearer token whose principal this process authenticated in the last seconds, with the
  route's permission (`access.cached_principal`: the checks of `require`, from its cache);
- a JSON content type, and the body read whole;
- the workspace's phone region set, as `PhoneRegion` does, before the body is validated.

The route's own `serve` then checks what is its own (the body against its schema, its
headers), stores through the route's own unit of work and returns the route's own reply, or
None for "let the route answer". Every other request, every `serve` that returns None and
every one that raises goes to the route as if the lane were not there, with the body already
read replayed: refusals are the route's own (status, fields, language). A `serve` must
therefore raise or return None only while nothing is stored (before its commit, or when the
commit failed), and return its reply only once it is committed. The routes stay declared, for
the OpenAPI document and for everything the lane leaves to them; tests/api/test_lane.py pins
each lane route's dependencies, so a check added to a route fails there until its lane
makes it too.
"""

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nabd.api.access import Principal, cached_principal
from nabd.core.group_commit import GroupCommit
from nabd.core.i18n import Locale
from nabd.customers.references import set_phone_region
from nabd.web.locale import request_locale
from nabd.workspaces.roles import Permission


@dataclass(frozen=True)
class LaneCall:
    """A request the lane may serve, its common checks passed."""

    request: Request
    principal: Principal
    match: re.Match[str]
    body: bytes

    def locale(self) -> Locale:
        """The language the route would answer in: a token's principal has no user, so it is
        the request's own (`?lang=`, the cookie, Accept-Language, else English)."""
        return request_locale(self.request)

    async def commit(self, unit: Callable[[Session], Response], *, weight: int = 1) -> Response:
        """The route's unit of work run by the app's group commit (`weight`: the items it
        stores), its reply once committed."""
        group_commit: GroupCommit = self.request.app.state.group_commit
        return await group_commit.run(unit, weight=weight)


Serve = Callable[[LaneCall], Awaitable[Response | None]]


@dataclass(frozen=True)
class LaneRoute:
    """One route the lane serves.

    `path` is the route's path as declared (the pinning test finds the route by it), and
    `pattern` the request paths the lane may serve, derived from it (`path_pattern`);
    `serve` stores and returns the route's committed reply, or None (or raises) with nothing
    stored, for the route to answer.
    """

    method: str
    path: str
    permission: Permission
    serve: Serve
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", path_pattern(self.path))


# A path parameter is an id as FastAPI's int parameter reads it, at most 18 digits (within a
# 64-bit id), without the other spellings it accepts ("007", "+7", "1_000", longer numbers):
# those, and whatever else is not such an id, go to the route, which reads or refuses them.
_ID = "[1-9][0-9]{0,17}"
_PARAMETER = re.compile(r"\{([^{}]*)\}")


def path_pattern(path: str) -> re.Pattern[str]:
    """The request paths of a route's `path` template that the lane may serve: the literal
    parts as they are, each `{name}` an id (a group of that name). A parameter of another
    kind (`{name:path}`) has no pattern here, so such a route cannot be registered."""
    parts = _PARAMETER.split(path)
    pattern = []
    for index, part in enumerate(parts):
        if index % 2 == 0:
            if "{" in part or "}" in part:
                raise ValueError(f"unbalanced braces in the lane path {path!r}")
            pattern.append(re.escape(part))
        elif part.isidentifier():
            pattern.append(f"(?P<{part}>{_ID})")
        else:
            raise ValueError(f"the lane serves only id parameters, not {{{part}}} in {path!r}")
    return re.compile("".join(pattern))


class Lane:
    """ASGI middleware: the registered routes served past FastAPI when nothing can be refused."""

    def __init__(self, app: ASGIApp, routes: Sequence[LaneRoute]) -> None:
        self.app = app
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._match(scope)
        if found is None:
            await self.app(scope, receive, send)
            return
        route, match = found
        request = Request(scope, receive)
        principal = cached_principal(request, route.permission)
        if principal is None or not _is_json(request):
            await self.app(scope, receive, send)
            return
        try:
            body = await request.body()
        except Exception:  # the client went away: the route answers as it would
            await self.app(scope, receive, send)
            return
        set_phone_region(principal.workspace.phone_region)
        try:
            reply = await route.serve(LaneCall(request, principal, match, body))
        except Exception:  # bad input or a failed unit (nothing stored): the route's answer
            reply = None
        if reply is None:
            await self.app(scope, _replaying(body, receive), send)
        else:
            await reply(scope, receive, send)

    def _match(self, scope: Scope) -> tuple[LaneRoute, re.Match[str]] | None:
        if scope["type"] != "http":
            return None
        for route in self.routes:
            match = route.pattern.fullmatch(scope["path"])
            if match is not None and scope["method"] == route.method:
                return route, match
        return None


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.partition(";")[0].strip().lower() == "application/json"


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` with the body already read given back first."""
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay
