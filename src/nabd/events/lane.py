"""Batches of events and transactions served by `nabd.api.lane`, past FastAPI's routing and
its worker thread.

On top of the lane's common checks (cached token with `EVENTS_WRITE`, JSON, the phone region
set), the body is validated here as the route validates it (a bad envelope or too many items
raises, and the route gives its 422). The valid items are stored by the route's own work
(`api.store_events`, `api.store_transactions`) as a unit of the group commit: on SQLite in one
transaction with the concurrent requests' units, one COMMIT for all; the reply is sent once it
is committed, and a unit that fails stored nothing, so the route answers instead.

The body is validated on the event loop, while the group commit's writer may be inside SQLite
(which releases the GIL); the route validated it on its worker thread.
"""

import re
from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session
from starlette.responses import Response

from nabd.api.lane import LaneCall, LaneRoute
from nabd.events.api import (
    store_events,
    store_transactions,
    validate_transaction_body,
)
from nabd.events.bodies import validate_event_body
from nabd.workspaces.roles import Permission


async def _serve_events(call: LaneCall) -> Response:
    locale = call.locale()
    events, rejected = validate_event_body(call.body, locale=locale)
    unit = partial(store_events, events=events, rejected=rejected, locale=locale)
    return await _committed(call, unit, weight=len(events))


async def _serve_transactions(call: LaneCall) -> Response:
    locale = call.locale()
    items, rejected = validate_transaction_body(call.body, locale=locale)
    unit = partial(store_transactions, items=items, rejected=rejected, locale=locale)
    return await _committed(call, unit, weight=len(items))


async def _committed(call: LaneCall, store: Callable[..., Response], *, weight: int) -> Response:
    """The reply of `store` for the principal's workspace, once its unit (of `weight` items,
    `group_commit.MAX_GROUP_WEIGHT`) has committed."""
    unit: Callable[[Session], Response] = partial(store, workspace_id=call.principal.workspace_id)
    reply: Response = await call.request.app.state.group_commit.run(unit, weight=weight)
    return reply


EVENTS_LANE = LaneRoute(
    method="POST",
    path="/api/v1/events",
    pattern=re.compile("/api/v1/events"),
    permission=Permission.EVENTS_WRITE,
    serve=_serve_events,
)
TRANSACTIONS_LANE = LaneRoute(
    method="POST",
    path="/api/v1/transactions",
    pattern=re.compile("/api/v1/transactions"),
    permission=Permission.EVENTS_WRITE,
    serve=_serve_transactions,
)
