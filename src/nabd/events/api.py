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
from nabd.api.replies import json_reply
from nabd.core.errors import ErrorDetail, NotAuthenticated, RateLimited, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.validation import describe_errors
from nabd.events import write_keys
from nabd.events.batch import BatchOutcome, Rejection
from nabd.events.bodies import validate_body, validate_event_body
from nabd.events.collect import MAX_COLLECT_BYTES, CollectIn, collect
from nabd.events.ingest import ingest_events, ingest_transactions
from nabd.events.rows import EventRow
from nabd.events.schemas import (
    BatchResultOut,
    EventBatchIn,
    RejectionOut,
    TransactionBatchIn,
    TransactionIn,
)
from nabd.web.locale import request_locale
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["ingestion"])

WriteEvents = Annotated[Principal, Depends(require(Permission.EVENTS_WRITE))]
ManageSettings = Annotated[Principal, Depends(require(Permission.SETTINGS_MANAGE))]


class WriteKeyOut(BaseModel):
    key: str


def batch_result(outcome: BatchOutcome, locale: str) -> BatchResultOut:
    rejected = sorted(outcome.rejected, key=lambda rejection: rejection.index)
    return BatchResultOut(
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        rejected=[
            RejectionOut(index=r.index, field=r.field, reason=r.translated(locale).reason)
            for r in rejected
        ],
    )


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
    locale = request_locale(request)
    events, rejected = validate_event_body(body, locale=locale)
    workspace_id = principal.workspace_id
    reply = store_events(
        session, workspace_id=workspace_id, events=events, rejected=rejected, locale=locale
    )
    # Committed here rather than when the request's session closes: on SQLite the
    # connection holds the process's one write lock until it goes back to the pool, and the
    # close runs only after another hop through the event loop and a worker thread.
    session.commit()
    return reply


def store_events(
    session: Session,
    *,
    workspace_id: int,
    events: list[EventRow],
    rejected: list[Rejection],
    locale: str,
) -> Response:
    """The valid events stored (not committed) and the reply of `POST /api/v1/events`: the
    route's work after validation, shared with `nabd.events.lane`, which serves the same
    requests past FastAPI. It may run twice (`nabd.core.group_commit`): it changes nothing
    it is given."""
    outcome = ingest_events(session, workspace_id=workspace_id, events=events)
    outcome.rejected.extend(rejected)
    return json_reply(batch_result(outcome, locale))


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
    locale = request_locale(request)
    items, rejected = validate_transaction_body(body, locale=locale)
    workspace_id = principal.workspace_id
    reply = store_transactions(
        session, workspace_id=workspace_id, items=items, rejected=rejected, locale=locale
    )
    session.commit()  # as in post_events: the write lock goes back at once
    return reply


def validate_transaction_body(
    body: bytes, *, locale: str
) -> tuple[list[tuple[int, TransactionIn]], list[Rejection]]:
    """The transactions of a raw `POST /api/v1/transactions` body; a bad envelope is a 422."""
    return validate_body(
        body, envelope=TransactionBatchIn, key="transactions", schema=TransactionIn, locale=locale
    )


def store_transactions(
    session: Session,
    *,
    workspace_id: int,
    items: list[tuple[int, TransactionIn]],
    rejected: list[Rejection],
    locale: str,
) -> Response:
    """As `store_events`, for `POST /api/v1/transactions`."""
    outcome = ingest_transactions(session, workspace_id=workspace_id, items=items)
    outcome.rejected.extend(rejected)
    return json_reply(batch_result(outcome, locale))


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
