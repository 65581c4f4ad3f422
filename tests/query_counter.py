"""Counting SQL statements, so list pages cannot grow an N+1 unnoticed."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


class QueryCount:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries(engine: Engine) -> Iterator[QueryCount]:
    counter = QueryCount()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def count_driver_statements(engine: Engine) -> Iterator[QueryCount]:
    """Every SELECT/INSERT/UPDATE/DELETE the SQLite driver runs, including reads sent past
    SQLAlchemy's events (`nabd.core.bulk.driver_rows`); counts nothing on other engines."""
    counter = QueryCount()
    traced: list[Any] = []

    def trace(statement: str) -> None:
        if statement.lstrip()[:6].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            counter.statements.append(statement)

    def on_checkout(dbapi_connection: Any, *_args: Any) -> None:
        if not hasattr(dbapi_connection, "set_trace_callback"):
            return
        dbapi_connection.set_trace_callback(trace)
        traced.append(dbapi_connection)

    event.listen(engine, "checkout", on_checkout)
    try:
        yield counter
    finally:
        event.remove(engine, "checkout", on_checkout)
        for connection in traced:
            connection.set_trace_callback(None)
