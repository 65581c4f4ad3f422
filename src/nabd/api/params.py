"""Query parameters shared by list endpoints."""

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from nabd.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageRequest, decode_cursor


def page_request(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> PageRequest:
    return PageRequest(limit=limit, after_id=decode_cursor(cursor) if cursor else None)


T = TypeVar("T")


class ListResponse(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None
