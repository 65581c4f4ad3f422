"""Response batches served by `nabd.api.lane`, past FastAPI's routing and its worker thread.

On top of the lane's common checks (cached token with `SURVEYS_WRITE`, JSON, the phone region
set), the route `POST /api/v1/surveys/{id}/responses/batch` reads a body that validates as
`BatchIn`, whose items it then checks one by one. The lane serves the bodies whose every item
is good, read straight from their JSON in one pydantic-core pass (`batch_items.parsed_body`:
for a batch of 500, FastAPI's `json.loads`, `BatchIn` and the per-item checks were a fifth of
the server's Python time); anything else (bad JSON, a bad item, more than 1,000 items) goes
to the route, whose answers name each problem. The route's own work (`api.batch_unit`) runs
as a unit of the group commit weighing its item count (`group_commit.MAX_GROUP_WEIGHT`), so
the reply is sent once it is committed; a unit that fails stored nothing, and the route
answers.
"""

from starlette.responses import Response

from nabd.api.lane import LaneCall, LaneRoute
from nabd.surveys.api import batch_unit
from nabd.surveys.batch_items import parsed_body
from nabd.workspaces.roles import Permission


async def _serve(call: LaneCall) -> Response | None:
    items = parsed_body(call.body)
    if items is None:
        return None
    unit = batch_unit(call.principal, int(call.match["survey_id"]), items, locale=call.locale())
    return await call.commit(unit, weight=len(items))


BATCH_LANE = LaneRoute(
    method="POST",
    path="/api/v1/surveys/{survey_id}/responses/batch",
    permission=Permission.SURVEYS_WRITE,
    serve=_serve,
)
