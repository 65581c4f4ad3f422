"""Single survey responses served in front of FastAPI's routing and dependency solving.

Per request, matching the route among the app's routers, solving its dependencies
(`enforce_declared_access`, `require`, the request's database session and its exit stack)
and reading the body through FastAPI cost about as much CPU as storing the response
(bench/survey_responses.py). `ResponseLane` serves `POST /api/v1/surveys/{id}/responses`
itself when everything the route checks before it writes is known to pass:

- a bearer token whose principal this process authenticated in the last seconds, with the
  route's permission (`access.cached_principal`: the checks of `require`, from its cache);
- a JSON body that validates as `ResponseIn` (parsed and validated as FastAPI does, after
  the workspace's phone region is set, as `PhoneRegion` does);
- at most one Idempotency-Key, not empty and within the route's limit.

It then runs the route's own unit of work through the group commit
(`api.response_unit`) and sends the reply the route would send. Every other request, and
every request whose unit fails, goes to the route as if the lane were not there, with the
body it already read replayed: refusals are the route's own (status, fields, language), and
a failed unit stored nothing, so running it again through the route is safe. The route stays
declared, for the OpenAPI document and for everything the lane leaves to it.
"""

import json
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nabd.api.access import Principal, cached_principal
from nabd.customers.references import set_phone_region
from nabd.surveys.api import IDEMPOTENCY_KEY_MAX, response_unit
from nabd.surveys.schemas import ResponseIn
from nabd.workspaces.roles import Permission

# Ids as FastAPI's int parameter reads them, without the spellings it also accepts
# ("007", "+7", very long numbers): those go to the route.
_PATH = re.compile(r"/api/v1/surveys/([1-9][0-9]{0,17})/responses")
_NO_KEY = ""


class ResponseLane:
    """ASGI middleware: single survey responses past FastAPI when nothing can be refused."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        principal = cached_principal(request, Permission.SURVEYS_WRITE)
        key = _idempotency_key(request)
        if principal is None or key is None or not _is_json(request):
            await self.app(scope, receive, send)
            return
        try:
            body = await request.body()
        except Exception:  # the client went away: the route answers as it would
            await self.app(scope, receive, send)
            return
        reply = await _stored(request, principal, int(match[1]), body, key or None)
        if reply is None:
            await self.app(scope, _replaying(body, receive), send)
        else:
            await reply(scope, receive, send)


async def _stored(
    request: Request, principal: Principal, survey_id: int, body: bytes, key: str | None
) -> Response | None:
    """The route's reply once the response is committed; None for the route to answer."""
    set_phone_region(principal.workspace.phone_region)
    try:
        data = ResponseIn.model_validate(json.loads(body))
        reply: Response = await request.app.state.group_commit.run(
            response_unit(principal, survey_id, data, key)
        )
    except Exception:  # bad input or a failed unit (nothing stored): the route's answer
        return None
    return reply


def _idempotency_key(request: Request) -> str | None:
    """The key ("" for none), or None when the route must judge the header."""
    keys = request.headers.getlist("idempotency-key")
    if not keys:
        return _NO_KEY
    if len(keys) == 1 and 0 < len(keys[0]) <= IDEMPOTENCY_KEY_MAX:
        return keys[0]
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
