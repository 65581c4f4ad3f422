"""Single survey responses served by `nabd.api.lane`, past FastAPI's routing.

On top of the lane's common checks (cached token with `SURVEYS_WRITE`, JSON, the phone
region set), the route `POST /api/v1/surveys/{id}/responses` checks a body that validates as
`ResponseIn` (parsed and validated as FastAPI does) and at most one Idempotency-Key, not
empty and within its limit. The lane then runs the route's own unit of work through the group
commit (`api.response_unit`), which answers with the route's reply once committed; a unit
that fails stored nothing, and the route answers.
"""

import json

from starlette.responses import Response

from nabd.api.lane import LaneCall, LaneRoute
from nabd.surveys.api import IDEMPOTENCY_KEY_MAX, response_unit
from nabd.surveys.schemas import ResponseIn
from nabd.workspaces.roles import Permission

_NO_KEY = ""


async def _serve(call: LaneCall) -> Response | None:
    key = _idempotency_key(call.request.headers.getlist("idempotency-key"))
    if key is None:
        return None
    data = ResponseIn.model_validate(json.loads(call.body))
    unit = response_unit(call.principal, int(call.match["survey_id"]), data, key or None)
    return await call.commit(unit)


def _idempotency_key(keys: list[str]) -> str | None:
    """The key ("" for none), or None when the route must judge the header."""
    if not keys:
        return _NO_KEY
    if len(keys) == 1 and 0 < len(keys[0]) <= IDEMPOTENCY_KEY_MAX:
        return keys[0]
    return None


RESPONSE_LANE = LaneRoute(
    method="POST",
    path="/api/v1/surveys/{survey_id}/responses",
    permission=Permission.SURVEYS_WRITE,
    serve=_serve,
)
