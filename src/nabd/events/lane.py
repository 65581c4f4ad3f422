"""Batches of events and transactions served by `nabd.api.lane`, past FastAPI's routing and
its worker thread.

On top of the lane's common checks (cached token with `EVENTS_WRITE`, JSON, the phone region
set), the body is read and its valid items stored by the route's own work
(`nabd.events.batch_requests`: a bad envelope or too many items raises, and the route gives
its 422). The items are stored as a unit of the group commit: on SQLite in one transaction
with the concurrent requests' units, one COMMIT for all; the reply is sent once it is
committed, and a unit that fails stored nothing, so the route answers instead.

The body is validated on the event loop, while the group commit's writer may be inside SQLite
(which releases the GIL); the route validated it on its worker thread.
"""

from functools import partial

from starlette.responses import Response

from nabd.api.lane import LaneCall, LaneRoute, Serve
from nabd.events.batch_requests import ReadBatch, read_events, read_transactions
from nabd.workspaces.roles import Permission


def _serving(read: ReadBatch) -> Serve:
    """The lane's `serve` of the batch endpoint whose bodies `read` validates."""

    async def serve(call: LaneCall) -> Response:
        batch = read(call.body, locale=call.locale())
        unit = partial(batch.store, workspace_id=call.principal.workspace_id)
        return await call.commit(unit, weight=batch.weight)

    return serve


EVENTS_LANE = LaneRoute(
    method="POST",
    path="/api/v1/events",
    permission=Permission.EVENTS_WRITE,
    serve=_serving(read_events),
)
TRANSACTIONS_LANE = LaneRoute(
    method="POST",
    path="/api/v1/transactions",
    permission=Permission.EVENTS_WRITE,
    serve=_serving(read_transactions),
)
