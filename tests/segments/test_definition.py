"""Definitions are parsed strictly: every problem named by its field path and reason."""

from decimal import Decimal

import pytest

from nabd.segments.definition import Condition, InvalidDefinition, parse_definition


def _problems(document: object) -> dict[str, str]:
    with pytest.raises(InvalidDefinition) as caught:
        parse_definition(document)
    return {detail.field: detail.reason for detail in caught.value.details}


def test_a_valid_definition_parses_to_typed_conditions() -> None:
    definition = parse_definition(
        {
            "match": "any",
            "conditions": [
                {
                    "field": "attribute",
                    "key": "city",
                    "operator": "in",
                    "value": ["Riyadh", "Jeddah"],
                },
                {"field": "total_spend", "operator": "gte", "value": "1500.50"},
                {"field": "last_purchase", "operator": "within_days", "value": 30},
                {"field": "nps_bucket", "operator": "equals", "value": "detractor"},
                {"field": "last_contact", "operator": "never"},
            ],
        }
    )
    assert definition.match == "any"
    assert definition.conditions[0] == Condition("attribute", "in", ("Riyadh", "Jeddah"), "city")
    assert definition.conditions[1].value == Decimal("1500.50")
    assert definition.conditions[4].value is None


def test_the_stored_document_parses_back_to_the_same_definition() -> None:
    definition = parse_definition(
        {"conditions": [{"field": "total_spend", "operator": "lte", "value": 99.5}]}
    )
    assert parse_definition(definition.as_document()) == definition


def test_unknown_field_and_operator_are_named_by_path() -> None:
    problems = _problems(
        {
            "match": "all",
            "conditions": [
                {"field": "attribute", "key": "city", "operator": "equals", "value": "Riyadh"},
                {"field": "shoe_size", "operator": "equals", "value": 42},
                {"field": "total_spend", "operator": "contains", "value": "1"},
            ],
        }
    )
    assert set(problems) == {"definition.conditions[1].field", "definition.conditions[2].operator"}
    assert "Unknown field" in problems["definition.conditions[1].field"]


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({"conditions": []}, "definition.conditions"),
        (
            {
                "match": "some",
                "conditions": [{"field": "language", "operator": "equals", "value": "ar"}],
            },
            "definition.match",
        ),
        (
            {"conditions": [{"field": "language", "operator": "equals", "value": "arabic"}]},
            "definition.conditions[0].value",
        ),
        (
            {"conditions": [{"field": "nps_bucket", "operator": "in", "value": ["fan"]}]},
            "definition.conditions[0].value[0]",
        ),
        (
            {"conditions": [{"field": "order_count", "operator": "gte", "value": 1.5}]},
            "definition.conditions[0].value",
        ),
        (
            {"conditions": [{"field": "last_purchase", "operator": "within_days", "value": -1}]},
            "definition.conditions[0].value",
        ),
        (
            {"conditions": [{"field": "attribute", "operator": "exists"}]},
            "definition.conditions[0].key",
        ),
        (
            {"conditions": [{"field": "attribute", "key": "a.b", "operator": "exists"}]},
            "definition.conditions[0].key",
        ),
        (
            {
                "conditions": [
                    {"field": "language", "key": "x", "operator": "equals", "value": "ar"}
                ]
            },
            "definition.conditions[0].key",
        ),
        (
            {"conditions": [{"field": "last_contact", "operator": "never", "value": 3}]},
            "definition.conditions[0].value",
        ),
        (
            {"conditions": [{"field": "total_spend", "operator": "gte", "value": True}]},
            "definition.conditions[0].value",
        ),
        (
            {"conditions": [{"field": "total_spend", "operator": "gte", "value": "NaN"}]},
            "definition.conditions[0].value",
        ),
        (
            {"conditions": [{"field": "csat", "operator": "gte", "value": 4}], "extra": 1},
            "definition.extra",
        ),
        ([], "definition"),
    ],
)
def test_bad_definitions_name_the_field(document: object, path: str) -> None:
    assert path in _problems(document)
