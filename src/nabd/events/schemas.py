"""Shapes of the ingestion API: batches of events and transactions, and their receipts."""

import re
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from babel.numbers import list_currencies
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import to_json

from nabd.core.clock import utcnow
from nabd.core.i18n import N_
from nabd.customers.references import CustomerReference

MAX_BATCH_ITEMS = 1000
MAX_PROPERTIES_BYTES = 16 * 1024
# Device clocks drift; anything later than this is a bug in the sender, not a real moment.
MAX_CLOCK_SKEW = timedelta(days=1)
# The built-in event types as the interface names them; a custom type shows as its key.
BUILT_IN_EVENT_TYPES = {
    "page_view": N_("Page view"),
    "add_to_cart": N_("Added to cart"),
    "purchase": N_("Purchase"),
    "ticket_opened": N_("Ticket opened"),
    "ticket_resolved": N_("Ticket resolved"),
    "call": N_("Call"),
    "store_visit": N_("Store visit"),
}
EVENT_TYPE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
PLACE_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")


def capped_json(value: Any) -> bytes:
    """The document as compact UTF-8 JSON, refused over the size cap: the events' quick
    path checks and stores the same bytes, so each document is serialised once."""
    text = to_json(value)
    if len(text) > MAX_PROPERTIES_BYTES:
        raise ValueError(N_("Must be at most 16 KB as JSON."))
    return text


def capped_document(value: Any) -> Any:
    capped_json(value)
    return value


def not_in_future(value: Any) -> Any:
    if value > utcnow() + MAX_CLOCK_SKEW:
        raise ValueError(N_("Must not be more than a day in the future."))
    return value


def event_type(value: str) -> str:
    if not EVENT_TYPE_PATTERN.match(value):
        raise ValueError(N_("Use a built-in type or lowercase letters, digits and '_' (up to 64)."))
    return value


def place_key(value: str | None) -> str | None:
    if value is not None and not PLACE_KEY_PATTERN.match(value):
        raise ValueError(N_("Use lowercase letters, digits, '.', '_' and '-' only."))
    return value


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


class BatchIn(BaseModel):
    """Items are typed `Any` here: each is validated on its own (`validate_body`), so one bad
    item never refuses the others."""

    model_config = ConfigDict(extra="forbid")


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(min_length=1, max_length=100)
    customer: CustomerReference
    type: str
    touchpoint: str | None = None
    channel: str | None = None
    timestamp: AwareDatetime
    properties: dict[str, Any] = Field(default_factory=dict)

    _type = field_validator("type")(event_type)
    _places = field_validator("touchpoint", "channel")(place_key)
    _timestamp = field_validator("timestamp")(not_in_future)
    _properties = field_validator("properties")(capped_document)


class EventBatchIn(BatchIn):
    events: list[Any] = Field(max_length=MAX_BATCH_ITEMS)


class TransactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=100)
    customer: CustomerReference
    amount: Decimal = Field(gt=0, max_digits=14, decimal_places=2)
    currency: str
    timestamp: AwareDatetime
    channel: str | None = None
    category: str | None = Field(default=None, max_length=100)
    items: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.strip().upper()
        if code not in _currencies():
            raise ValueError(N_("Not an ISO 4217 currency code such as SAR."))
        return code

    _channel = field_validator("channel")(place_key)
    _timestamp = field_validator("timestamp")(not_in_future)
    _items = field_validator("items")(capped_document)


class TransactionBatchIn(BatchIn):
    transactions: list[Any] = Field(max_length=MAX_BATCH_ITEMS)


class RejectionOut(BaseModel):
    index: int
    field: str
    reason: str


class BatchResultOut(BaseModel):
    """`accepted` new items, `duplicates` already known (by their id), and what was refused."""

    accepted: int
    duplicates: int
    rejected: list[RejectionOut]
