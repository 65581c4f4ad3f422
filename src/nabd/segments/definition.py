"""A segment's definition: conditions on customers combined with all/any, checked strictly.

Pure: parses the JSON document a person or an API client sends into typed conditions, or
raises `InvalidDefinition` naming the field path (`definition.conditions[2].operator`) and
the reason. The SQL that evaluates a definition lives in `evaluation.py`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_

MAX_CONDITIONS = 20
MAX_VALUES = 50
MAX_TEXT = 200
MAX_DAYS = 36_500
LANGUAGE_LENGTH = 2

MATCH_MODES = ("all", "any")
NPS_BUCKETS = ("promoter", "passive", "detractor")
TEXT_OPERATORS = ("equals", "in", "contains", "exists")
NUMBER_OPERATORS = ("gte", "lte", "equals")
DAYS_OPERATORS = ("within_days", "before_days", "never")
CHOICE_OPERATORS = ("equals", "in")

# field -> the operators it takes
FIELD_OPERATORS: dict[str, tuple[str, ...]] = {
    "attribute": TEXT_OPERATORS,
    "language": CHOICE_OPERATORS,
    "total_spend": NUMBER_OPERATORS,
    "order_count": NUMBER_OPERATORS,
    "first_purchase": DAYS_OPERATORS,
    "last_purchase": DAYS_OPERATORS,
    "last_contact": DAYS_OPERATORS,
    "nps_bucket": CHOICE_OPERATORS,
    "csat": NUMBER_OPERATORS,
    "ces": NUMBER_OPERATORS,
    "channel": ("in",),
}
FIELD_LABELS = {
    "attribute": N_("Customer attribute"),
    "language": N_("Language"),
    "total_spend": N_("Total spend"),
    "order_count": N_("Orders"),
    "first_purchase": N_("First purchase"),
    "last_purchase": N_("Last purchase"),
    "last_contact": N_("Last contact"),
    "nps_bucket": N_("Latest NPS group"),
    "csat": N_("Latest CSAT"),
    "ces": N_("Latest CES"),
    "channel": N_("Channels used"),
}
OPERATOR_LABELS = {
    "equals": N_("is"),
    "in": N_("is one of"),
    "contains": N_("contains"),
    "exists": N_("is set"),
    "gte": N_("at least"),
    "lte": N_("at most"),
    "within_days": N_("within the last N days"),
    "before_days": N_("more than N days ago"),
    "never": N_("never"),
}
INVALID = N_("The segment definition is not valid.")


class InvalidDefinition(ValidationFailed):
    pass


@dataclass(frozen=True)
class Condition:
    """One test on a customer. `value` is typed by field and operator:
    str, tuple[str, ...], Decimal, int or None (for `exists` and `never`)."""

    field: str
    operator: str
    value: Any = None
    key: str | None = None  # the attribute name, for `attribute` only


@dataclass(frozen=True)
class Definition:
    match: str
    conditions: tuple[Condition, ...]

    def as_document(self) -> dict[str, Any]:
        """The JSON form stored and returned by the API; parses back to an equal Definition."""
        return {
            "match": self.match,
            "conditions": [_condition_document(condition) for condition in self.conditions],
        }


def _condition_document(condition: Condition) -> dict[str, Any]:
    document: dict[str, Any] = {"field": condition.field, "operator": condition.operator}
    if condition.key is not None:
        document["key"] = condition.key
    value = condition.value
    if isinstance(value, tuple):
        document["value"] = list(value)
    elif isinstance(value, Decimal):
        document["value"] = float(value) if value != value.to_integral() else int(value)
    elif value is not None:
        document["value"] = value
    return document


class _Problems:
    def __init__(self) -> None:
        self.details: list[ErrorDetail] = []

    def add(self, path: str, reason: str, **params: Any) -> None:
        self.details.append(ErrorDetail(field=path, reason=reason, params=params))


def parse_definition(document: Any, *, path: str = "definition") -> Definition:
    """The typed definition, or InvalidDefinition listing every problem with its field path."""
    problems = _Problems()
    if not isinstance(document, Mapping):
        problems.add(path, N_("Must be an object with 'match' and 'conditions'."))
        raise InvalidDefinition(INVALID, details=problems.details)
    unknown = sorted(set(document) - {"match", "conditions"})
    for name in unknown:
        problems.add(f"{path}.{name}", N_("Unknown field."))
    match = document.get("match", "all")
    if match not in MATCH_MODES:
        problems.add(f"{path}.match", N_("Must be 'all' or 'any'."))
    raw_conditions = document.get("conditions")
    conditions: list[Condition] = []
    if not isinstance(raw_conditions, list) or not raw_conditions:
        problems.add(f"{path}.conditions", N_("Give at least one condition."))
    elif len(raw_conditions) > MAX_CONDITIONS:
        problems.add(
            f"{path}.conditions", N_("At most %(count)s conditions."), count=MAX_CONDITIONS
        )
    else:
        for index, raw in enumerate(raw_conditions):
            condition = _condition(raw, f"{path}.conditions[{index}]", problems)
            if condition is not None:
                conditions.append(condition)
    if problems.details:
        raise InvalidDefinition(INVALID, details=problems.details)
    return Definition(match=str(match), conditions=tuple(conditions))


def _condition(raw: Any, path: str, problems: _Problems) -> Condition | None:
    if not isinstance(raw, Mapping):
        problems.add(path, N_("Must be an object with 'field', 'operator' and 'value'."))
        return None
    before = len(problems.details)
    for name in sorted(set(raw) - {"field", "operator", "value", "key"}):
        problems.add(f"{path}.{name}", N_("Unknown field."))
    field = raw.get("field")
    if field not in FIELD_OPERATORS:
        problems.add(
            f"{path}.field",
            N_("Unknown field; use one of: %(names)s."),
            names=_names(FIELD_OPERATORS),
        )
        return None
    operator = raw.get("operator")
    if operator not in FIELD_OPERATORS[field]:
        problems.add(
            f"{path}.operator",
            N_("Not an operator of this field; use one of: %(names)s."),
            names=_names(FIELD_OPERATORS[field]),
        )
        return None
    key = _key(raw, field, path, problems)
    value = _value(field, operator, raw.get("value"), raw, f"{path}.value", problems)
    if len(problems.details) > before:
        return None
    return Condition(field=field, operator=operator, value=value, key=key)


def _names(names: Sequence[str] | Mapping[str, Any]) -> str:
    return ", ".join(names)


def _key(raw: Mapping[str, Any], field: str, path: str, problems: _Problems) -> str | None:
    key = raw.get("key")
    if field != "attribute":
        if key is not None:
            problems.add(f"{path}.key", N_("Only customer attributes take a key."))
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > MAX_TEXT:
        problems.add(f"{path}.key", N_("Give the attribute's name."))
        return None
    if any(character in key for character in '"\\$.[]*'):
        problems.add(f"{path}.key", N_("An attribute name cannot hold quotes, dots or brackets."))
        return None
    return key.strip()


def _value(
    field: str,
    operator: str,
    value: Any,
    raw: Mapping[str, Any],
    path: str,
    problems: _Problems,
) -> Any:
    if operator in ("exists", "never"):
        if "value" in raw and value is not None:
            problems.add(path, N_("This operator takes no value."))
        return None
    if operator in ("in",):
        return _text_list(field, value, path, problems)
    if operator in ("equals", "contains") and field in ("attribute", "language", "nps_bucket"):
        return _text(field, value, path, problems)
    if operator in ("within_days", "before_days"):
        return _whole_number(value, path, problems, low=0, high=MAX_DAYS)
    if field == "order_count":
        return _whole_number(value, path, problems, low=0, high=None)
    if field in ("csat", "ces"):
        return _whole_number(value, path, problems, low=0, high=10)
    return _amount(value, path, problems)


def _text(field: str, value: Any, path: str, problems: _Problems) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
        problems.add(path, N_("Give a text of 1 to %(max)s characters."), max=MAX_TEXT)
        return None
    return _choice(field, value.strip(), path, problems)


def _choice(field: str, value: str, path: str, problems: _Problems) -> str | None:
    if field == "nps_bucket" and value not in NPS_BUCKETS:
        problems.add(path, N_("Use one of: %(names)s."), names=_names(NPS_BUCKETS))
        return None
    if field == "language" and (len(value) != LANGUAGE_LENGTH or not value.isascii()):
        problems.add(path, N_("Use a two-letter language code such as ar or en."))
        return None
    return value.lower() if field == "language" else value


def _text_list(field: str, value: Any, path: str, problems: _Problems) -> tuple[str, ...] | None:
    if not isinstance(value, list) or not value or len(value) > MAX_VALUES:
        problems.add(path, N_("Give a list of 1 to %(max)s values."), max=MAX_VALUES)
        return None
    items: list[str] = []
    for index, item in enumerate(value):
        checked = _text(field, item, f"{path}[{index}]", problems)
        if checked is not None:
            items.append(checked)
    return tuple(dict.fromkeys(items)) if len(items) == len(value) else None


def _whole_number(
    value: Any, path: str, problems: _Problems, *, low: int, high: int | None
) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(path, N_("Give a whole number."))
        return None
    if value < low or (high is not None and value > high):
        if high is None:
            problems.add(path, N_("Must be at least %(low)s."), low=low)
        else:
            problems.add(path, N_("Must be between %(low)s and %(high)s."), low=low, high=high)
        return None
    return value


def _amount(value: Any, path: str, problems: _Problems) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        problems.add(path, N_("Give a number."))
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        problems.add(path, N_("Give a number."))
        return None
    if not amount.is_finite() or abs(amount) >= Decimal("1e12"):
        problems.add(path, N_("Give a number."))
        return None
    return amount
