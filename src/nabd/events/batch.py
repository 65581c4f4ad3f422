"""Validating a batch, and the receipt every ingestion endpoint answers with."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from nabd.core.i18n import gettext
from nabd.core.validation import describe_errors

T = TypeVar("T", bound=BaseModel)
Item = TypeVar("Item")  # a model or a plain row (`EventRow`)


@dataclass(frozen=True)
class Rejection:
    """Why item `index` was refused; `reason` is a catalogue id or already translated text."""

    index: int
    field: str
    reason: str
    params: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def translated(self, locale: str) -> "Rejection":
        text = gettext(locale, self.reason)
        return Rejection(self.index, self.field, text % dict(self.params) if self.params else text)


@dataclass
class BatchOutcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = dataclass_field(default_factory=list)

    def add(self, other: "BatchOutcome") -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected.extend(other.rejected)


def validate_items(
    raw_items: Sequence[Any], schema: type[T], *, locale: str, first_index: int = 0
) -> tuple[list[tuple[int, T]], list[Rejection]]:
    """Each item parsed on its own; every problem of a bad item becomes one rejection."""
    valid: list[tuple[int, T]] = []
    rejected: list[Rejection] = []
    for offset, raw in enumerate(raw_items):
        index = first_index + offset
        try:
            valid.append((index, schema.model_validate(raw)))
        except ValidationError as error:
            for detail in describe_errors(error.errors(), locale):
                rejected.append(Rejection(index, detail["field"], detail["reason"]))
    return valid, rejected


@cache
def whole_batch(envelope: type[BaseModel], key: str, item: Any) -> type[BaseModel]:
    """`envelope` with its item list typed as `list[item]`: one pydantic-core pass over
    the raw body parses and validates every item, with no Python per item in between."""
    limit = next(
        (m.max_length for m in envelope.model_fields[key].metadata if hasattr(m, "max_length")),
        None,
    )
    return create_model(
        f"Whole{envelope.__name__}",
        __config__=ConfigDict(extra="forbid"),
        **{key: (list[item], Field(max_length=limit))},  # type: ignore[call-overload]
    )


def validate_all(
    raw_items: Sequence[Any], schema: type[T], *, locale: str
) -> tuple[list[tuple[int, T]], list[Rejection]]:
    """`validate_items` in one pydantic-core pass when every item is valid (imports)."""
    try:
        return list(enumerate(_item_lists(schema).validate_python(raw_items))), []
    except ValidationError:
        return validate_items(raw_items, schema, locale=locale)


@cache
def _item_lists(schema: type[T]) -> TypeAdapter[list[T]]:
    return TypeAdapter(list[schema])  # type: ignore[valid-type]


def duplicates_within(
    items: Sequence[tuple[int, Item]], key: str
) -> tuple[list[tuple[int, Item]], int]:
    """The first of each id in the batch, and how many repeats were dropped."""
    seen: set[Any] = set()
    first: list[tuple[int, Item]] = []
    for index, item in items:
        value = getattr(item, key)
        if value not in seen:
            seen.add(value)
            first.append((index, item))
    return first, len(items) - len(first)
