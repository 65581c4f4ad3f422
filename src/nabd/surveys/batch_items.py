"""Validating the items of a response batch, each on its own terms, at pydantic-core's speed.

A batch's items are checked one by one so that a bad item is rejected alone (with its own
index, field and reason). Validating them one call at a time cost more than validating the
whole list in one call, whose loop runs in pydantic-core; when that call fails, the items are
validated again one at a time, so each bad item's error is exactly the one it gets alone.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from nabd.surveys.schemas import BatchItemIn

_ITEMS = TypeAdapter(list[BatchItemIn])


def validated_items(items: Sequence[Mapping[str, Any]]) -> list[BatchItemIn | ValidationError]:
    """Each item as a `BatchItemIn`, or the error that rejects it, in the given order."""
    try:
        return list(_ITEMS.validate_python(items))
    except ValidationError:
        pass  # some item is bad: find which, one by one
    checked: list[BatchItemIn | ValidationError] = []
    for raw in items:
        try:
            checked.append(BatchItemIn.model_validate(raw))
        except ValidationError as error:
            checked.append(error)
    return checked
