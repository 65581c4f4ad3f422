"""Keyset pagination with opaque cursors: stable under inserts, fast at any depth."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute, Session

from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_PAGE_SIZE
    after_id: int | None = None


T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_id}).encode()).decode()


def decode_cursor(cursor: str) -> int:
    invalid = ValidationFailed(
        N_("Invalid query parameters."),
        details=[ErrorDetail(field="cursor", reason=N_("Not a cursor returned by this API."))],
    )
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise invalid from error
    after = payload.get("after") if isinstance(payload, dict) else None
    if not isinstance(after, int) or isinstance(after, bool):
        raise invalid
    return after


def paginate(
    session: Session,
    statement: Select[Any],
    *,
    id_column: InstrumentedAttribute[int],
    page: PageRequest,
) -> Page[Any]:
    """Run `statement` ordered by id after the cursor; fetch one extra row to know if more exist."""
    if page.after_id is not None:
        statement = statement.where(id_column > page.after_id)
    rows = list(session.scalars(statement.order_by(id_column).limit(page.limit + 1)))
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    next_cursor = encode_cursor(rows[-1].id) if has_more and rows else None
    return Page(items=rows, next_cursor=next_cursor)
