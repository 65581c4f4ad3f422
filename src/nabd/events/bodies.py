"""Raw JSON bodies of the batch endpoints (`POST /api/v1/events`, `/feedback`), validated.

Apart from `nabd.events.batch` and `nabd.events.rows` because a bad envelope is FastAPI's
`RequestValidationError` (a 422): the import's reader process validates with those two
modules and starts without loading FastAPI.
"""

from collections.abc import Mapping
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from nabd.events.batch import Rejection, validate_items, whole_batch
from nabd.events.rows import EventRow, shape_of, validate_events
from nabd.events.schemas import EventBatchIn, EventIn

T = TypeVar("T", bound=BaseModel)


def read_envelope(body: bytes, *, envelope: type[BaseModel], key: str) -> list[Any]:
    """The raw items of a JSON batch `{key: [...]}`; a bad envelope is a 422 for the whole
    request, as FastAPI would answer."""
    try:
        parsed = envelope.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        ) from error
    items: list[Any] = getattr(parsed, key)
    return items


def validate_body(
    body: bytes, *, envelope: type[BaseModel], key: str, schema: type[T], locale: str
) -> tuple[list[tuple[int, T]], list[Rejection]]:
    """Items of a raw JSON batch `{key: [...]}`, validated; a bad envelope is a 422.

    The usual batch, every item valid, costs one validation pass in pydantic-core. When any
    item is bad, the envelope is read on its own (its problems refuse the whole request)
    and the items are validated one by one, so one bad item never drops the good ones.
    """
    try:
        whole = whole_batch(envelope, key, schema).model_validate_json(body)
    except ValidationError:
        pass
    else:
        return list(enumerate(getattr(whole, key))), []
    return validate_items(read_envelope(body, envelope=envelope, key=key), schema, locale=locale)


def validate_event_body(body: bytes, *, locale: str) -> tuple[list[EventRow], list[Rejection]]:
    """The events of a raw `POST /api/v1/events` body: parsed into shapes in one
    pydantic-core pass, then checked as `validate_events` does; a bad envelope is a 422."""
    try:
        whole = whole_batch(EventBatchIn, "events", shape_of(EventIn)).model_validate_json(body)
    except ValidationError:
        items = read_envelope(body, envelope=EventBatchIn, key="events")
        return validate_events(items, locale=locale)
    parsed: list[Mapping[str, Any]] = whole.events  # type: ignore[attr-defined]
    return validate_events(parsed, locale=locale, parsed=parsed)
