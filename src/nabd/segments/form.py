"""The segment form's condition rows to a definition document, and back.

Row `i` is the inputs `field-i`, `key-i`, `operator-i` and `value-i`; a row without a field
is left out. Lists are typed comma-separated (Arabic commas too). The document is then
checked by `definition.parse_definition` like any API input.
"""

import re
from typing import Any

from nabd.segments.models import Segment

BLANK_ROWS = 2
MAX_ROWS = 20
_LIST_SEPARATOR = re.compile(r"[,،]")
_WHOLE_NUMBER_FIELDS = ("order_count", "csat", "ces")


def _value(field: str, operator: str, text: str) -> Any:
    if operator == "in":
        return [item.strip() for item in _LIST_SEPARATOR.split(text) if item.strip()]
    if operator in ("within_days", "before_days") or field in _WHOLE_NUMBER_FIELDS:
        return int(text) if text.isdigit() else text
    return text


def definition_from_form(fields: dict[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The definition document, and for each of its conditions the form row it came from."""
    conditions: list[dict[str, Any]] = []
    rows: list[int] = []
    for row in range(MAX_ROWS + BLANK_ROWS):
        field = fields.get(f"field-{row}", "")
        if not field:
            continue
        operator = fields.get(f"operator-{row}", "")
        condition: dict[str, Any] = {"field": field, "operator": operator}
        if field == "attribute":
            condition["key"] = fields.get(f"key-{row}", "")
        if operator not in ("exists", "never"):
            condition["value"] = _value(field, operator, fields.get(f"value-{row}", ""))
        conditions.append(condition)
        rows.append(row)
    return {"match": fields.get("match", "all"), "conditions": conditions}, rows


def form_of(segment: Segment) -> dict[str, str]:
    """A stored segment as the form's fields."""
    form = {
        "name_ar": segment.name_ar,
        "name_en": segment.name_en,
        "description": segment.description,
        "match": str(segment.definition.get("match", "all")),
    }
    for row, condition in enumerate(segment.definition.get("conditions", [])):
        value = condition.get("value")
        form[f"field-{row}"] = str(condition.get("field", ""))
        form[f"operator-{row}"] = str(condition.get("operator", ""))
        form[f"key-{row}"] = str(condition.get("key", ""))
        form[f"value-{row}"] = (
            ", ".join(str(item) for item in value)
            if isinstance(value, list)
            else ("" if value is None else str(value))
        )
    return form
