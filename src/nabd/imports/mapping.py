"""Column mappings: which file column fills which field of an item, and the built-in presets.

A mapping is `{field: source}` where the field is dotted (`customer.email`, `properties.sku`,
`ticket.status`) and the source is a column name, a list of columns (joined with a space,
e.g. first and last name) or `{"value": "constant"}`. Without a mapping, a column named like a
field fills it.
"""

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from nabd.core.errors import ValidationFailed
from nabd.core.i18n import N_

Kind = Literal["customers", "transactions", "events", "feedback"]
Source = str | list[str] | dict[str, str]
Mapping = dict[str, Source]

CUSTOMER_FIELDS = (
    "customer.external_id",
    "customer.email",
    "customer.phone",
    "customer.anonymous_id",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "customers": ("external_id", "email", "phone", "display_name", "language"),
    "events": ("event_id", *CUSTOMER_FIELDS, "type", "touchpoint", "channel", "timestamp"),
    "transactions": (
        "order_id",
        *CUSTOMER_FIELDS,
        "amount",
        "currency",
        "timestamp",
        "channel",
        "category",
    ),
    "feedback": (
        "external_id",
        "source",
        "text",
        *CUSTOMER_FIELDS,
        "channel",
        "touchpoint",
        "language",
        "rating",
        "rating_scale_max",
        "created_at",
        "ticket.status",
        "ticket.first_reply_at",
        "ticket.last_reply_at",
        "ticket.resolved_at",
        "ticket.resolution",
    ),
}
# Free-form groups a column may fill as `group.name`.
OPEN_GROUPS = {"customers": "attributes", "events": "properties", "feedback": "details"}
DATETIME_FIELDS = frozenset(
    {
        "timestamp",
        "created_at",
        "ticket.first_reply_at",
        "ticket.last_reply_at",
        "ticket.resolved_at",
    }
)

_NAME = ["First Name", "Last Name"]
PRESETS: dict[str, tuple[Kind, Mapping]] = {
    "hubspot-contacts": (
        "customers",
        {
            "external_id": "Record ID",
            "email": "Email",
            "phone": "Phone Number",
            "display_name": _NAME,
        },
    ),
    "salesforce-contacts": (
        "customers",
        {"external_id": "Contact ID", "email": "Email", "phone": "Phone", "display_name": _NAME},
    ),
    "zoho-contacts": (
        "customers",
        {"external_id": "Record Id", "email": "Email", "phone": "Phone", "display_name": _NAME},
    ),
    "zendesk-tickets": (
        "feedback",
        {
            "external_id": "Id",
            "source": {"value": "ticket"},
            "text": ["Subject", "Description"],
            "customer.email": "Requester email",
            "created_at": "Created at",
            "ticket.status": "Status",
            "ticket.resolved_at": "Solved at",
        },
    ),
    "freshdesk-tickets": (
        "feedback",
        {
            "external_id": "Ticket ID",
            "source": {"value": "ticket"},
            "text": ["Subject", "Description"],
            "customer.email": "Email",
            "created_at": "Created time",
            "ticket.status": "Status",
            "ticket.first_reply_at": "Initial response time",
            "ticket.resolved_at": "Resolved time",
        },
    ),
}


def default_mapping(kind: Kind, header: list[str]) -> Mapping:
    """Columns named like fields (or `attributes.x` / `properties.x` / `details.x`) map to them."""
    group = OPEN_GROUPS.get(kind)
    return {
        column: column
        for column in header
        if column in FIELDS[kind] or (group and column.startswith(group + "."))
    }


class InvalidMapping(ValidationFailed):
    pass


def parse_mapping(text: str) -> Mapping:
    """A mapping written as JSON `{field: column}`; anything else is refused with a reason."""
    try:
        mapping = json.loads(text)
    except ValueError as error:
        raise InvalidMapping(N_("The column mapping is not valid JSON.")) from error
    if not isinstance(mapping, dict) or not all(
        isinstance(source, str | list | dict) for source in mapping.values()
    ):
        raise InvalidMapping(N_("The column mapping must be one JSON object {field: column}."))
    return mapping


def load_mapping(path: Path) -> Mapping:
    return parse_mapping(path.read_text(encoding="utf-8"))


def choose_mapping(
    kind: Kind, header: list[str], *, preset: str | None = None, mapping: Mapping | None = None
) -> Mapping:
    """A preset, an explicit mapping, or else the columns named like fields; never empty."""
    if preset and mapping:
        raise InvalidMapping(N_("Choose either a preset or a column mapping, not both."))
    if preset:
        if preset not in PRESETS:
            raise InvalidMapping(N_("Unknown preset %(preset)s."), params={"preset": preset})
        preset_kind, mapping = PRESETS[preset]
        if preset_kind != kind:
            raise InvalidMapping(
                N_("The preset %(preset)s imports %(preset_kind)s, not %(kind)s."),
                params={"preset": preset, "preset_kind": preset_kind, "kind": kind},
            )
    chosen = mapping or default_mapping(kind, header)
    if not chosen:
        raise InvalidMapping(N_("No column matches a field; choose a preset or a mapping."))
    return chosen


def as_datetime(value: str, zone: ZoneInfo) -> str | datetime:
    """Naive spreadsheet times are read in the workspace's time zone; others pass through."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value  # validation reports it with the field's reason
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


Filler = Callable[[dict[str, str]], str]


def _filler(source: Source) -> Filler:
    """The cell text one field takes from a row (stripped; "" when absent)."""
    if isinstance(source, dict):
        constant = source.get("value", "")
        return lambda _row: constant
    if isinstance(source, list):
        columns = list(source)
        return lambda row: " ".join(
            part for column in columns if (part := row.get(column, "").strip())
        )
    return lambda row: row.get(source, "").strip()


def column_texts(source: Source, header: list[str], records: Sequence[list[str]]) -> list[str]:
    """What `_filler` takes from each of `records`, a column at a time (cells in `header`
    order, each record as long as the header): the column-wise import of events."""
    if isinstance(source, dict):
        return [source.get("value", "")] * len(records)
    if isinstance(source, list):
        if not source:
            return [""] * len(records)
        parts = zip(*(column_texts(column, header, records) for column in source), strict=True)
        return [" ".join(part for part in row if part) for row in parts]
    where = {name: at for at, name in enumerate(header)}.get(source)
    if where is None:
        return [""] * len(records)
    return [record[where].strip() for record in records]


def item_builder(mapping: Mapping, zone: ZoneInfo) -> Callable[[dict[str, str]], dict[str, Any]]:
    """A function from one row to a nested item (as the API takes it), empty cells left out;
    the mapping is read once, since an import calls it for every row."""
    plan = [
        (_filler(source), field.split("."), field in DATETIME_FIELDS)
        for field, source in mapping.items()
    ]

    def build(row: dict[str, str]) -> dict[str, Any]:
        item: dict[str, Any] = {}
        for fill, path, is_moment in plan:
            text = fill(row)
            if not text:
                continue
            value: Any = as_datetime(text, zone) if is_moment else text
            if len(path) == 1:
                item[path[0]] = value
                continue
            target = item
            for parent in path[:-1]:
                target = target.setdefault(parent, {})
            target[path[-1]] = value
        return item

    return build


def column_of(mapping: Mapping, field: str) -> str:
    """The file column behind an error's field path, for `row N, column C: reason`."""
    for candidate in (field, field.rsplit(".", 1)[0]):
        source = mapping.get(candidate)
        if isinstance(source, str):
            return source
        if isinstance(source, list):
            return "+".join(source)
    return field or "-"
