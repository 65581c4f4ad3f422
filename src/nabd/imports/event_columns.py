"""Events of a CSV file validated a column at a time: the quick path of `nabd import events`.

Row by row, an event cost a dict per row, a nested item and a shape validation before any
check of its own (bench/ingest_events.py: about three quarters of the import's Python time).
Here each mapped field of a batch becomes one list of cell texts, the fields' types and
constraints are checked a column at a time in pydantic-core (`misfits`) and the rest as for
the API (`quick_rows`). A row this path is not sure of (a cell missing or malformed, a row
longer or shorter than the header) goes through the row-by-row path (`item_builder`, then
`EventIn`), which names the column and the reason.
"""

from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nabd.customers.references import CustomerReference
from nabd.events.batch import Rejection
from nabd.events.rows import EventColumns, EventRow, misfits, quick_rows, with_slow_items
from nabd.events.schemas import EventIn
from nabd.imports.mapping import Mapping, as_datetime, column_texts, item_builder
from nabd.imports.readers import csv_records

_PLAIN = frozenset({"event_id", "type", "touchpoint", "channel", "timestamp"})
_CUSTOMER = tuple(CustomerReference.model_fields)
_PROPERTIES = "properties."


def reads_by_column(mapping: Mapping) -> bool:
    """Whether every mapped field is one this path fills (else the file goes row by row)."""
    return all(
        field in _PLAIN
        or (field.startswith("customer.") and field.removeprefix("customer.") in _CUSTOMER)
        or (field.startswith(_PROPERTIES) and "." not in field.removeprefix(_PROPERTIES))
        for field in mapping
    )


def _records(
    texts: dict[str, list[str]], prefix: str, names: Sequence[str], count: int
) -> list[dict[str, str]]:
    """Per row, `{name: text}` of the fields `prefix + name` that have text in that row."""
    present = [(name, texts[prefix + name]) for name in names if prefix + name in texts]
    if not present:
        return [{} for _ in range(count)]
    keys = [name for name, _ in present]
    return [
        {key: text for key, text in zip(keys, row, strict=True) if text}
        for row in zip(*(values for _, values in present), strict=True)
    ]


def validate_event_records(
    header: list[str],
    records: list[list[str]],
    *,
    mapping: Mapping,
    zone: ZoneInfo,
    locale: str,
) -> tuple[list[EventRow], list[Rejection]]:
    """Rows of the valid events among `records` (cells in `header` order) and a rejection
    per problem of the others; indexes are positions in `records`."""
    width = len(header)
    # Rows as long as the header are read by column; the others go row by row.
    regular = [at for at, record in enumerate(records) if len(record) == width]
    cells = records if len(regular) == len(records) else [records[at] for at in regular]
    count = len(cells)
    texts = {field: column_texts(source, header, cells) for field, source in mapping.items()}
    blank = [""] * count
    event_ids = texts.get("event_id", blank)
    types = texts.get("type", blank)
    moments = [as_datetime(text, zone) for text in texts.get("timestamp", blank)]
    unsure = misfits(EventIn, "event_id", event_ids) | misfits(EventIn, "timestamp", moments)
    for values in (event_ids, types):
        unsure.update(at for at, text in enumerate(values) if not text)
    unsure.update(at for at, moment in enumerate(moments) if not isinstance(moment, datetime))
    # In mapping order, as the row-by-row path fills them (the stored JSON keeps that order).
    properties = [
        field.removeprefix(_PROPERTIES) for field in texts if field.startswith(_PROPERTIES)
    ]
    columns: list[Sequence[Any]] = [
        event_ids,
        _records(texts, "customer.", _CUSTOMER, count),
        types,
        [text or None for text in texts.get("touchpoint", blank)],
        [text or None for text in texts.get("channel", blank)],
        moments,
        _records(texts, _PROPERTIES, properties, count),
    ]
    keep = [at for at in range(count) if at not in unsure] if unsure else range(count)
    if unsure:
        columns = [[values[at] for at in keep] for values in columns]
    rows, also = quick_rows(EventColumns([regular[at] for at in keep], *columns))
    slow = sorted(
        {*also, *(regular[at] for at in unsure), *set(range(len(records))).difference(regular)}
    )
    build = item_builder(mapping, zone)
    items = [build(dict(zip(header, records[at], strict=False))) for at in slow]
    return with_slow_items(rows, slow, items, locale=locale)


CheckedEvents = tuple[list[int], list[tuple[int, EventRow]], list[Rejection]]


def checked_event_batches(
    path: Path, *, mapping: Mapping, zone: ZoneInfo, size: int, locale: str
) -> Iterator[CheckedEvents]:
    """(row numbers, valid rows by batch index, rejections) of each batch of a CSV file."""
    for header, numbers, records in csv_records(path, size):
        rows, rejected = validate_event_records(
            header, records, mapping=mapping, zone=zone, locale=locale
        )
        yield numbers, [(row.item_index, row) for row in rows], rejected
