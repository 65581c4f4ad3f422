"""Ingestion API: batches of events and transactions, the snippet's collect endpoint, write keys."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from nabd.api.access import Principal, public, require
from nabd.api.database import DbSession
from nabd.api.phone_region import PhoneRegion
from nabd.core.errors import ErrorDetail, NotAuthenticated, RateLimited, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.validation import describe_errors
from nabd.events import write_keys
from nabd.events.batch_requests import (
    BatchRequest,
    batch_result,
    read_events,
    read_transactions,
)
from nabd.events.collect import MAX_COLLECT_BYTES, CollectIn, collect
from nabd.events.schemas import BatchResultOut, EventBatchIn, TransactionBatchIn
from nabd.web.locale import request_locale
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["ingestion"])

WriteEvents = Annotated[Principal, Depends(require(Permission.EVENTS_WRITE))]
ManageSettings = Annotated[Principal, Depends(require(Permission.SETTINGS_MANAGE))]


class WriteKeyOut(BaseModel):
    key: str


async def raw_body(request: Request) -> bytes:
    """The request body unparsed: the batch endpoints validate it in one pydantic-core
    pass (`validate_body`), instead of json.loads and then pydantic per item."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def body_schema(envelope: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of an endpoint that reads `RawBody`."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": envelope.model_json_schema()}},
        }
    }


@router.post("/events", openapi_extra=body_schema(EventBatchIn), response_model=BatchResultOut)
def post_events(
    request: Request,
    session: DbSession,
    principal: WriteEvents,
    _region: PhoneRegion,
    body: RawBody,
) -> Response:
    """Up to 1,000 events; each is accepted, a duplicate (known `event_id`) or rejected."""
    return _committed(session, principal, read_events(body, locale=request_locale(request)))


@router.post(
    "/transactions", openapi_extra=body_schema(TransactionBatchIn), response_model=BatchResultOut
)
def post_transactions(
    request: Request,
    session: DbSession,
    principal: WriteEvents,
    _region: PhoneRegion,
    body: RawBody,
) -> Response:
    """Up to 1,000 transactions, idempotent on `order_id`."""
    return _committed(session, principal, read_transactions(body, locale=request_locale(request)))


def _committed(session: Session, principal: Principal, batch: BatchRequest) -> Response:
    """The batch stored for the principal's workspace, and its reply once committed."""
    reply = batch.store(session, workspace_id=principal.workspace_id)
    # Committed here rather than when the request's session closes: on SQLite the
    # connection holds the process's one write lock until it goes back to the pool, and the
    # close runs only after another hop through the event loop and a worker thread.
    session.commit()
    return reply


async def _collect_payload(request: Request) -> dict[str, Any]:
    """The raw body as JSON: `sendBeacon` posts `text/plain`, which needs no CORS preflight."""
    body = await request.body()
    invalid = N_("The body is not valid JSON.")
    if len(body) > MAX_COLLECT_BYTES:
        raise ValidationFailed(N_("The body is larger than 64 KB."))
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise ValidationFailed(invalid) from error
    if not isinstance(payload, dict):
        raise ValidationFailed(invalid)
    return payload


@router.post("/collect", dependencies=[Depends(public)], response_model=BatchResultOut)
def post_collect(
    request: Request,
    session: DbSession,
    payload: Annotated[dict[str, Any], Depends(_collect_payload)],
) -> JSONResponse:
    """The website snippet's endpoint: authenticated by the workspace's public write key."""
    settings = request.app.state.settings
    client = request.client.host if request.client else "unknown"
    if not request.app.state.rate_limiter.hit(settings.collect_rate_limit, "collect-ip", client):
        raise RateLimited(N_("Too many requests. Wait a minute and try again."))
    locale = request_locale(request)
    try:
        parsed = CollectIn.model_validate(payload)
    except ValidationError as error:
        details = describe_errors(error.errors(), locale)
        raise ValidationFailed(
            N_("The request is not valid."),
            details=[ErrorDetail(field=d["field"], reason=d["reason"]) for d in details],
        ) from error
    workspace_id = write_keys.workspace_of_write_key(session, key=parsed.write_key)
    if workspace_id is None:
        raise NotAuthenticated(N_("Unknown or revoked write key."))
    outcome = collect(session, workspace_id=workspace_id, payload=parsed, locale=locale)
    return JSONResponse(
        batch_result(outcome, locale).model_dump(),
        headers={"Access-Control-Allow-Origin": "*"},
    )


@router.get("/write-key")
def get_write_key(session: DbSession, principal: ManageSettings) -> WriteKeyOut:
    """The workspace's public write key, for the website snippet."""
    key = write_keys.active_write_key(session, workspace_id=principal.workspace_id)
    return WriteKeyOut(key=key.key)


@router.post("/write-key")
def rotate_write_key(session: DbSession, principal: ManageSettings) -> WriteKeyOut:
    """Issue a new public write key; the previous one stops working at once."""
    key = write_keys.rotate_write_key(
        session, workspace_id=principal.workspace_id, actor=principal.actor
    )
    return WriteKeyOut(key=key.key)
