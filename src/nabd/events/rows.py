"""Valid events as plain rows, and the batch validation that builds them without a model per item.

Validating a batch of 500 events as `EventIn` models cost more than storing them: a model per
item and a Python validator call per field per item (bench/ingest_events.py). Here
pydantic-core parses the batch into plain dicts of the same shape (`shape_of`: the models'
fields and constraints without their Python validators) and those validators' own functions
then run once per distinct value (types, places, e-mails, phones) or once per batch (the
future-time check). An item this quick path is not sure of is validated as `EventIn`, which
gives the exact rejection reason, so the quick path is never looser than the model and stores
the values the model would.
"""

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import repeat
from typing import Annotated, Any, NamedTuple, NotRequired

from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12

from nabd.customers.references import Identities, identities_of
from nabd.events.batch import Rejection, validate_items
from nabd.events.schemas import (
    EventIn,
    capped_json,
    event_type,
    not_in_future,
    place_key,
)


class EventRow(NamedTuple):
    """One valid event: its index in the batch, identities normalised, properties as JSON.

    `stored_moment` is `timestamp` as SQLite stores it (`plain_rows.sqlite_moments`) when it
    was computed ahead of storing: the import's reader process does it, off the storing
    process's time (`nabd.imports.reader_process`); None elsewhere.
    """

    item_index: int
    event_id: str
    identities: Identities
    type: str
    touchpoint: str | None
    channel: str | None
    timestamp: datetime
    properties: str
    stored_moment: str | None = None


def row_of(index: int, item: EventIn) -> EventRow:
    return EventRow(
        index,
        item.event_id,
        item.customer.identities(),
        item.type,
        item.touchpoint,
        item.channel,
        item.timestamp,
        capped_json(item.properties).decode(),
    )


def rows_of(items: Sequence[tuple[int, EventIn]]) -> list[EventRow]:
    return [row_of(index, item) for index, item in items]


@cache
def shape_of(model: type[BaseModel]) -> Any:
    """A TypedDict with `model`'s fields, types, defaults-as-optional and constraints, and
    none of its Python validators (nested models become their shapes too)."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        kind: Any = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            kind = shape_of(kind)
        if info.metadata:
            kind = Annotated[(kind, *info.metadata)]
        fields[name] = kind if info.is_required() else NotRequired[kind]
    shape: Any = TypedDict(f"{model.__name__}Shape", fields)  # type: ignore[misc]
    shape.__pydantic_config__ = model.model_config  # type: ignore[attr-defined]
    return shape


@cache
def _shapes() -> TypeAdapter[list[Any]]:
    return TypeAdapter(list[shape_of(EventIn)])  # type: ignore[arg-type,misc]


def _refused_values(values: Sequence[Hashable], check: Callable[[Any], Any]) -> set[Any]:
    """The distinct values `check` refuses, each checked once (None is never checked)."""
    refused = set()
    for value in set(values):
        if value is None:
            continue
        try:
            check(value)
        except ValueError:
            refused.add(value)
    return refused


@dataclass(frozen=True)
class EventColumns:
    """Shape-valid events as columns; `positions` are their indexes in the batch."""

    positions: Sequence[int]
    event_ids: Sequence[str]
    customers: Sequence[Mapping[str, Any]]
    types: Sequence[str]
    touchpoints: Sequence[str | None]
    channels: Sequence[str | None]
    timestamps: Sequence[datetime]
    properties: Sequence[Mapping[str, Any]]

    @classmethod
    def of(cls, items: Sequence[Mapping[str, Any]], positions: Sequence[int]) -> "EventColumns":
        """The columns of shape dicts (`shape_of(EventIn)`)."""
        return cls(
            positions,
            [item["event_id"] for item in items],
            [item["customer"] for item in items],
            [item["type"] for item in items],
            [item.get("touchpoint") for item in items],
            [item.get("channel") for item in items],
            [item["timestamp"] for item in items],
            [item.get("properties", {}) for item in items],
        )


def quick_rows(columns: EventColumns) -> tuple[list[EventRow], list[int]]:
    """Rows of the events that `EventIn` would accept, and the positions of the others,
    which need the model to say why."""
    if not columns.positions:
        return [], []
    identities = identities_of(columns.customers)
    unsure: set[int] = {at for at, found in enumerate(identities) if found is None}
    for values, check in (
        (columns.types, event_type),
        (columns.touchpoints, place_key),
        (columns.channels, place_key),
    ):
        if refused := _refused_values(values, check):
            unsure.update(at for at, value in enumerate(values) if value in refused)
    try:
        not_in_future(max(columns.timestamps))
    except ValueError:
        unsure.update(_refused_positions(columns.timestamps, not_in_future))
    documents: list[str] = []
    for at, document in enumerate(columns.properties):
        try:
            documents.append(capped_json(document).decode())
        except ValueError:
            documents.append("")
            unsure.add(at)
    rows = list(
        map(
            EventRow._make,
            zip(
                columns.positions,
                columns.event_ids,
                identities,
                columns.types,
                columns.touchpoints,
                columns.channels,
                columns.timestamps,
                documents,
                repeat(None, len(documents)),
                strict=True,
            ),
        )
    )
    if not unsure:
        return rows, []
    return [row for at, row in enumerate(rows) if at not in unsure], sorted(
        columns.positions[at] for at in unsure
    )


@cache
def _field_values(model: type[BaseModel], name: str) -> TypeAdapter[list[Any]]:
    info = model.model_fields[name]
    kind: Any = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return TypeAdapter(list[kind])


def misfits(model: type[BaseModel], name: str, values: Sequence[Any]) -> set[int]:
    """Positions of `values` that `model`'s field `name` refuses by its type and constraints
    (a column of a file, checked in one pydantic-core pass; Python validators not included)."""
    try:
        _field_values(model, name).validate_python(values)
    except ValidationError as error:
        return {int(problem["loc"][0]) for problem in error.errors()}
    return set()


def _refused_positions(values: Sequence[Any], check: Callable[[Any], Any]) -> list[int]:
    refused = []
    for at, value in enumerate(values):
        try:
            check(value)
        except ValueError:
            refused.append(at)
    return refused


def validate_events(
    raw: Sequence[Any], *, locale: str, parsed: Sequence[Mapping[str, Any]] | None = None
) -> tuple[list[EventRow], list[Rejection]]:
    """Rows of the valid items of `raw`, and one rejection per problem of the others.

    `parsed` is `raw` already read as shapes (the API parses the JSON body that way); else
    the shapes are validated here, in one pass when every item has the right shape.
    """
    positions: Sequence[int] = range(len(raw))
    misshapen: list[int] = []
    if parsed is None:
        try:
            parsed = _shapes().validate_python(raw)
        except ValidationError as error:
            bad = {problem["loc"][0] for problem in error.errors() if problem["loc"]}
            misshapen = sorted(at for at in bad if isinstance(at, int))
            positions = [at for at in positions if at not in bad]
            parsed = _shapes().validate_python([raw[at] for at in positions])
    rows, unsure = quick_rows(EventColumns.of(parsed, positions))
    slow = sorted({*misshapen, *unsure})
    return with_slow_items(rows, slow, [raw[at] for at in slow], locale=locale)


def with_slow_items(
    rows: list[EventRow], positions: Sequence[int], items: Sequence[Any], *, locale: str
) -> tuple[list[EventRow], list[Rejection]]:
    """`rows` and those of `items` (at `positions` of the batch) validated one by one as
    `EventIn`, in batch order; a rejection per problem of a refused item."""
    if not items:
        return rows, []
    checked, rejected = validate_items(items, EventIn, locale=locale)
    rows.extend(row_of(positions[at], item) for at, item in checked)
    rows.sort(key=lambda row: row.item_index)
    return rows, [Rejection(positions[r.index], r.field, r.reason, r.params) for r in rejected]
