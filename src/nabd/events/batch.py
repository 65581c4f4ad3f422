"""Validating a batch item by item, and the receipt every ingestion endpoint answers with."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from nabd.core.i18n import gettext
from nabd.core.validation import describe_errors

T = TypeVar("T", bound=BaseModel)


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


def duplicates_within(items: Sequence[tuple[int, T]], key: str) -> tuple[list[tuple[int, T]], int]:
    """The first of each id in the batch, and how many repeats were dropped."""
    seen: set[Any] = set()
    first: list[tuple[int, T]] = []
    for index, item in items:
        value = getattr(item, key)
        if value not in seen:
            seen.add(value)
            first.append((index, item))
    return first, len(items) - len(first)
