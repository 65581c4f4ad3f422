"""The customer list: search, filters, sorting and keyset pagination on the sort column."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, contains_eager

from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.pagination import Page
from nabd.customers.models import (
    Customer,
    CustomerIdentity,
    CustomerSearchTerm,
    CustomerSeen,
    utc_day,
)
from nabd.customers.scores import NPS_BUCKET_RANGES, customers_in_nps_bucket
from nabd.customers.search import query_alternatives
from nabd.segments import service as segments

# Above every real character, so `prefix <= term < prefix + TOP` is a prefix range.
_TOP = chr(0x10FFFF)


class CustomerSort(StrEnum):
    LAST_SEEN = "-last_seen"
    NAME = "name"
    TOTAL_SPEND = "-total_spend"
    TOTAL_SPEND_ASCENDING = "total_spend"

    @property
    def label(self) -> str:
        return _SORT_LABELS[self]


_SORT_LABELS = {
    CustomerSort.LAST_SEEN: N_("Last seen, newest first"),
    CustomerSort.NAME: N_("Name"),
    CustomerSort.TOTAL_SPEND: N_("Total spend, highest first"),
    CustomerSort.TOTAL_SPEND_ASCENDING: N_("Total spend, lowest first"),
}
_SORT_COLUMNS: dict[CustomerSort, tuple[Any, Any, bool]] = {
    # column, the customer id beside it (the keyset's tie-break, from the same index), descending.
    # "Last seen" sorts by the UTC day (`CustomerSeen`: the precise time is not indexed), the
    # newest customers first within a day.
    CustomerSort.LAST_SEEN: (CustomerSeen.last_seen_on, CustomerSeen.customer_id, True),
    CustomerSort.NAME: (Customer.sort_name, Customer.id, False),
    CustomerSort.TOTAL_SPEND: (Customer.total_spend, Customer.id, True),
    CustomerSort.TOTAL_SPEND_ASCENDING: (Customer.total_spend, Customer.id, False),
}


@dataclass(frozen=True)
class CustomerFilters:
    query: str | None = None
    email: str | None = None
    phone: str | None = None
    external_id: str | None = None
    min_spend: Decimal | None = None
    max_spend: Decimal | None = None
    seen_from: datetime | None = None
    seen_until: datetime | None = None
    nps_bucket: str | None = None  # "promoter", "passive" or "detractor": the latest NPS
    segment_id: int | None = None  # members as of the segment's last refresh


@dataclass(frozen=True)
class ListRequest:
    sort: CustomerSort = CustomerSort.LAST_SEEN
    limit: int = 50
    cursor: str | None = None


def _invalid_cursor() -> ValidationFailed:
    return ValidationFailed(
        N_("Invalid query parameters."),
        details=[ErrorDetail(field="cursor", reason=N_("Not a cursor returned by this API."))],
    )


def _encode(sort: CustomerSort, value: Any, last_id: int) -> str:
    if isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    payload = {"s": sort.value, "v": value, "id": last_id}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode(sort: CustomerSort, cursor: str) -> tuple[Any, int]:
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if payload["s"] != sort.value or not isinstance(payload["id"], int):
            raise _invalid_cursor()
        raw = payload["v"]
        if raw is None:
            return None, payload["id"]
        if sort is CustomerSort.LAST_SEEN:
            return date.fromisoformat(raw), payload["id"]
        if sort is CustomerSort.NAME:
            return str(raw), payload["id"]
        return Decimal(raw), payload["id"]
    except (binascii.Error, ValueError, UnicodeDecodeError, KeyError, TypeError, InvalidOperation):
        raise _invalid_cursor() from None


def _after(
    column: Any, id_column: Any, descending: bool, value: Any, last_id: int
) -> ColumnElement[bool]:
    """Rows after (value, last_id) in (column, id) order, among rows with a value."""
    id_beyond = id_column < last_id if descending else id_column > last_id
    beyond = column < value if descending else column > value
    return or_(beyond, and_(column == value, id_beyond))


def _identity_match(workspace_id: int, kind: str, value: str) -> Any:
    # E-mail addresses match as given or lowercased, however ingestion stored them.
    values = {value.strip(), value.strip().lower()} if kind == "email" else {value.strip()}
    return select(CustomerIdentity.customer_id).where(
        CustomerIdentity.workspace_id == workspace_id,
        CustomerIdentity.kind == kind,
        CustomerIdentity.value.in_(values),
    )


def _term_match(workspace_id: int, prefixes: set[str]) -> Any:
    return select(CustomerSearchTerm.customer_id).where(
        CustomerSearchTerm.workspace_id == workspace_id,
        or_(
            *(
                and_(CustomerSearchTerm.term >= prefix, CustomerSearchTerm.term < prefix + _TOP)
                for prefix in prefixes
            )
        ),
    )


def _seen_joined(statement: Select[Customer], workspace_id: int) -> Select[Customer]:
    """`statement` joined to the customers' seen rows (every customer has one), which also
    load `Customer.seen`; their workspace condition lets the seen index lead."""
    return (
        statement.join(CustomerSeen, CustomerSeen.customer_id == Customer.id)
        .where(CustomerSeen.workspace_id == workspace_id)
        .options(contains_eager(Customer.seen))
    )


def _filtered(workspace_id: int, filters: CustomerFilters, *, by_seen: bool) -> Select[Customer]:
    """The matching customers; `by_seen`: sorted by last seen, so read through the seen rows.
    Otherwise `customers` leads (its seen rows joined after it, as `Customer.seen` loads)."""
    statement = select(Customer).where(Customer.workspace_id == workspace_id)
    if by_seen or filters.seen_from is not None or filters.seen_until is not None:
        statement = _seen_joined(statement, workspace_id)
    if filters.query and filters.query.strip():
        words = query_alternatives(filters.query)
        if not words:
            return statement.where(Customer.id.is_(None))
        for prefixes in words:
            statement = statement.where(Customer.id.in_(_term_match(workspace_id, prefixes)))
    exact = {"email": filters.email, "phone": filters.phone, "external_id": filters.external_id}
    for kind, value in exact.items():
        if value:
            statement = statement.where(Customer.id.in_(_identity_match(workspace_id, kind, value)))
    if filters.min_spend is not None:
        statement = statement.where(Customer.total_spend >= filters.min_spend)
    if filters.max_spend is not None:
        statement = statement.where(Customer.total_spend <= filters.max_spend)
    # Exact on the precise time, within the range of days the index holds.
    if filters.seen_from is not None:
        statement = statement.where(
            CustomerSeen.last_seen_on >= utc_day(filters.seen_from),
            CustomerSeen.last_seen_at >= filters.seen_from,
        )
    if filters.seen_until is not None:
        statement = statement.where(
            CustomerSeen.last_seen_on <= utc_day(filters.seen_until),
            CustomerSeen.last_seen_at < filters.seen_until,
        )
    if filters.nps_bucket in NPS_BUCKET_RANGES:
        statement = statement.where(
            Customer.id.in_(
                customers_in_nps_bucket(workspace_id=workspace_id, bucket=filters.nps_bucket)
            )
        )
    if filters.segment_id is not None:
        statement = statement.where(
            Customer.id.in_(
                segments.member_ids(workspace_id=workspace_id, segment_id=filters.segment_id)
            )
        )
    return statement


def _narrowing(filters: CustomerFilters) -> bool:
    return bool(
        (filters.query and filters.query.strip())
        or filters.email
        or filters.phone
        or filters.external_id
        or filters.nps_bucket in NPS_BUCKET_RANGES
    )


def _ordered(
    statement: Select[Customer], column: Any, id_column: Any, descending: bool, *, narrowing: bool
) -> Select[Customer]:
    # A search matches few rows: wrapping the sort column keeps the planner from walking the
    # whole sort index looking for them (SQLite has no statistics to know better).
    key = func.coalesce(column, column) if narrowing else column
    return statement.order_by(
        key.desc() if descending else key.asc(),
        id_column.desc() if descending else id_column.asc(),
    )


def list_customers(
    session: Session, *, workspace_id: int, filters: CustomerFilters, request: ListRequest
) -> Page[Customer]:
    """One page of matching customers in the requested order, and the cursor of the next.

    Customers never seen sort after everyone else. They are read by a second query rather
    than with NULLS LAST, which PostgreSQL cannot serve from a plain index in descending order.
    """
    column, id_column, descending = _SORT_COLUMNS[request.sort]
    narrowing = _narrowing(filters)
    base = _filtered(workspace_id, filters, by_seen=request.sort is CustomerSort.LAST_SEEN)
    value, last_id = _decode(request.sort, request.cursor) if request.cursor else (None, None)
    wanted = request.limit + 1
    rows: list[Customer] = []
    if last_id is None or value is not None:
        ranked = base.where(column.is_not(None))
        if last_id is not None:
            ranked = ranked.where(_after(column, id_column, descending, value, last_id))
        ordered = _ordered(ranked, column, id_column, descending, narrowing=narrowing)
        rows = list(session.scalars(ordered.limit(wanted)))
    if len(rows) < wanted:
        unranked = base.where(column.is_(None))
        if last_id is not None and value is None:
            unranked = unranked.where(id_column < last_id if descending else id_column > last_id)
        unranked = unranked.order_by(id_column.desc() if descending else id_column.asc())
        rows += list(session.scalars(unranked.limit(wanted - len(rows))))
    has_more = len(rows) > request.limit
    rows = rows[: request.limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode(request.sort, getattr(last, column.key), last.id)
    return Page(items=rows, next_cursor=next_cursor)
