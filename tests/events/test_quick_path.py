"""The quick validation of event batches gives what `EventIn`, item by item, gives.

The API and the CSV import validate events without a model per item (`nabd.events.rows`,
`nabd.imports.event_columns`) and fall back to `EventIn` only for items they are unsure of;
these properties check, on batches mixing valid, normalisable and invalid values, that the
stored rows and every rejection (index, field, reason) equal the model's own.
"""

import json
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nabd.customers.references import using_phone_region
from nabd.events.batch import Rejection, validate_items
from nabd.events.bodies import validate_body, validate_event_body
from nabd.events.rows import EventRow, rows_of, validate_events
from nabd.events.schemas import EventBatchIn, EventIn
from nabd.imports.event_columns import reads_by_column, validate_event_records
from nabd.imports.mapping import item_builder

CUSTOMER_VALUES = {
    "external_id": ["c1", " c2 ", "", "\t ", "x" * 200 + " ", "x" * 201, None],
    "email": ["a@example.com", " A@Example.COM ", "not-an-email", None],
    "phone": ["+966501234567", "0501234567", "12", None],
    "anonymous_id": ["v1", "y" * 101, None],
}
customers = st.fixed_dictionaries(
    {}, optional={kind: st.sampled_from(values) for kind, values in CUSTOMER_VALUES.items()}
)
items = st.one_of(
    st.fixed_dictionaries(
        {
            "event_id": st.sampled_from(["e1", "e2", "e3", "", "z" * 101]),
            "customer": st.one_of(customers, st.just("nobody")),
            "type": st.sampled_from(["page_view", "signup_done", "Bad Type", "t\n", ""]),
            "timestamp": st.sampled_from(
                [
                    "2026-05-01T10:00:00+03:00",
                    "2026-05-01T10:00:00.123456Z",
                    "2026-05-01T10:00:00",
                    "2999-01-01T00:00:00Z",
                    "yesterday",
                ]
            ),
        },
        optional={
            "touchpoint": st.sampled_from(["checkout", "Not A Key", None]),
            "channel": st.sampled_from(["web", "-bad", None]),
            "properties": st.sampled_from([{}, {"sku": "X1"}, {"big": "b" * 17_000}, "text"]),
            "unknown": st.just(1),
        },
    ),
    st.just("not an object"),
)


def model_result(raw: list[Any]) -> tuple[list[EventRow], list[Rejection]]:
    valid, rejected = validate_items(raw, EventIn, locale="en")
    return rows_of(valid), rejected


def reasons(rejected: list[Rejection]) -> list[tuple[int, str, str]]:
    return sorted((r.index, r.field, r.translated("ar").reason) for r in rejected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items, max_size=8))
def test_events_validated_quickly_equal_the_models_items(raw: list[Any]) -> None:
    with using_phone_region("SA"):  # as the API sets the workspace's
        rows, rejected = validate_events(raw, locale="en")
        expected_rows, expected_rejected = model_result(raw)
    assert rows == expected_rows
    assert reasons(rejected) == reasons(expected_rejected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(items, max_size=8))
def test_a_json_body_validated_quickly_equals_the_models_items(raw: list[Any]) -> None:
    body = json.dumps({"events": raw}).encode()
    with using_phone_region("SA"):
        rows, rejected = validate_event_body(body, locale="en")
        valid, expected_rejected = validate_body(
            body, envelope=EventBatchIn, key="events", schema=EventIn, locale="en"
        )
    assert rows == rows_of(valid)
    assert reasons(rejected) == reasons(expected_rejected)


HEADER = [
    "event_id",
    "customer.email",
    "customer.external_id",
    "type",
    "touchpoint",
    "timestamp",
    "properties.sku",
    "properties.note",
]
cells = {
    "event_id": ["e1", "e2", " e3 ", "", "z" * 101],
    "customer.email": ["a@example.com", " B@Example.com", "bad", ""],
    "customer.external_id": ["c1", "", " c2 "],
    "type": ["page_view", "Bad", ""],
    "touchpoint": ["checkout", "", "Not A Key"],
    "timestamp": ["2026-05-01T10:00:00+03:00", "2026-05-01 11:00:00", "", "soon", "2999-01-01"],
    "properties.sku": ["X1", "", " X2 "],
    "properties.note": ["", "n" * 17_000],
}
records = st.one_of(
    st.tuples(*(st.sampled_from(cells[column]) for column in HEADER)).map(list),
    st.lists(st.sampled_from(["e9", "a@example.com", "page_view"]), max_size=len(HEADER) + 2),
)
mappings = st.sampled_from(
    [
        {column: column for column in HEADER},
        {
            "event_id": "event_id",
            "customer.email": "customer.email",
            "type": {"value": "import"},
            "timestamp": "timestamp",
            "properties.sku": ["properties.sku", "properties.note"],
        },
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records, max_size=8), mappings)
def test_csv_rows_read_by_column_equal_the_row_by_row_path(
    batch: list[list[str]], mapping: dict[str, Any]
) -> None:
    zone = ZoneInfo("Asia/Riyadh")
    assert reads_by_column(mapping)
    rows, rejected = validate_event_records(HEADER, batch, mapping=mapping, zone=zone, locale="en")
    build = item_builder(mapping, zone)
    raw = [build(dict(zip(HEADER, record, strict=False))) for record in batch]
    expected_rows, expected_rejected = model_result(raw)
    assert rows == expected_rows
    assert reasons(rejected) == reasons(expected_rejected)


def test_fields_outside_the_columns_send_the_file_row_by_row() -> None:
    assert reads_by_column({"event_id": "id", "customer.email": "mail", "properties.a": "a"})
    assert not reads_by_column({"event_id": "id", "properties.a.b": "ab"})
    assert not reads_by_column({"event_id": "id", "external_id": "id"})
    assert not reads_by_column({"event_id": "id", "customer.name": "name"})
