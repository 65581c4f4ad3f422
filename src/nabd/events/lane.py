"""Batches of events served by `nabd.api.lane`, past FastAPI's routing and its worker thread.

On top of the lane's common checks (cached token with `EVENTS_WRITE`, JSON, the phone region
set), the body is validated here as the route validates it (`validate_event_body`: a bad
envelope or too many events raises, and the route gives its 422). The valid events are stored
by the route's own work (`api.store_events`) as a unit of the group commit: on SQLite in one
transaction with the concurrent requests' units, one COMMIT for all; the reply is sent once
it is committed, and a unit that fails stored nothing, so the route answers instead.
"""

import re
from functools import partial

from starlette.responses import Response

from nabd.api.lane import LaneCall, LaneRoute
from nabd.events.api import store_events
from nabd.events.bodies import validate_event_body
from nabd.workspaces.roles import Permission


async def _serve(call: LaneCall) -> Response:
    """Validated on the event loop, while the group commit's writer may be inside SQLite
    (which releases the GIL): the route validated on its worker thread instead."""
    locale = call.locale()
    events, rejected = validate_event_body(call.body, locale=locale)
    unit = partial(
        store_events,
        workspace_id=call.principal.workspace_id,
        events=events,
        rejected=rejected,
        locale=locale,
    )
    reply: Response = await call.request.app.state.group_commit.run(unit)
    return reply


EVENTS_LANE = LaneRoute(
    method="POST",
    path="/api/v1/events",
    pattern=re.compile("/api/v1/events"),
    permission=Permission.EVENTS_WRITE,
    serve=_serve,
)
