"""What the website snippet sends: page views, tracked events and identify calls of one visitor.

The public write key only ever adds events and links an anonymous visitor to a user id; it
never changes a profile's attributes (traits are kept on the `identify` event), because the
key is public and anyone can read it from the page.
"""

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from nabd.core.audit import Actor
from nabd.customers.identity import identify
from nabd.customers.references import CustomerReference
from nabd.events.batch import BatchOutcome, Rejection, validate_items
from nabd.events.ingest import ingest_events
from nabd.events.rows import row_of
from nabd.events.schemas import EventIn

MAX_COLLECT_BYTES = 64 * 1024
MAX_COLLECT_ITEMS = 100
SNIPPET_ACTOR = Actor(kind="system", label="website snippet")


class CollectItem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["track", "identify"]
    event_id: str = Field(min_length=1, max_length=100)
    timestamp: AwareDatetime
    type: str | None = None
    touchpoint: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    traits: dict[str, Any] = Field(default_factory=dict)


class CollectIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    write_key: str = Field(min_length=1, max_length=100)
    anonymous_id: str = Field(min_length=1, max_length=100)
    user_id: str | None = Field(default=None, min_length=1, max_length=200)
    batch: list[Any] = Field(max_length=MAX_COLLECT_ITEMS)


def _as_event(visitor: dict[str, str], item: CollectItem) -> dict[str, Any]:
    if item.kind == "identify":
        return {
            "event_id": item.event_id,
            "customer": {**visitor, "external_id": item.user_id},
            "type": "identify",
            "timestamp": item.timestamp,
            "properties": item.traits,
        }
    return {
        "event_id": item.event_id,
        "customer": visitor,
        "type": item.type,
        "touchpoint": item.touchpoint,
        "timestamp": item.timestamp,
        "properties": item.properties,
    }


def collect(
    session: Session, *, workspace_id: int, payload: CollectIn, locale: str
) -> BatchOutcome:
    """Identify calls first (so the batch's events land on the known customer), then events."""
    items, rejected = validate_items(payload.batch, CollectItem, locale=locale)
    visitor = {"anonymous_id": payload.anonymous_id}
    if payload.user_id:
        visitor["external_id"] = payload.user_id
    for _index, item in items:
        if item.kind == "identify" and item.user_id:
            identify(
                session,
                workspace_id=workspace_id,
                anonymous_id=payload.anonymous_id,
                customer=CustomerReference(external_id=item.user_id),
                at=item.timestamp,
                actor=SNIPPET_ACTOR,
            )
    events, event_rejections = validate_items(
        [_as_event(visitor, item) for _index, item in items], EventIn, locale=locale
    )
    original_index = [index for index, _item in items]
    outcome = ingest_events(
        session,
        workspace_id=workspace_id,
        events=[row_of(original_index[position], event) for position, event in events],
    )
    outcome.rejected = [
        *rejected,
        *(
            Rejection(original_index[rejection.index], rejection.field, rejection.reason)
            for rejection in event_rejections
        ),
        *outcome.rejected,
    ]
    return outcome
