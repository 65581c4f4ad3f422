"""Many rows in one INSERT, optionally skipping conflicts and returning columns: one call
for SQLite and PostgreSQL.

SQLAlchemy's executemany renders or binds every row through its per-row parameter machinery
(and, with RETURNING, renders one VALUES tuple per row, which psycopg then parses in Python on
every call): on the survey-response benchmark that was over a third of a batch's CPU on SQLite
and half of it on PostgreSQL. Here the rows go in one statement (or a few), through each column
type's own bind processing:

- PostgreSQL: `INSERT … SELECT * FROM unnest(%s::bigint[], %s::text[], …)`, one array per column;
- SQLite: `INSERT … VALUES (?1, ?3, …), (?1, ?4, …), …`, the rows' values bound by sqlite3's C
  code, a value every row shares once (`_sqlite_chunks`), as many rows per statement as
  SQLite's parameter limit allows. (One JSON array of rows read by `json_each` cost twice as
  much of SQLite's time: every `json_extract` parses its row again.)

Rows are inserted in the order given, so autoincrement ids increase with the position of a
row (what SQLAlchemy's own `sort_by_parameter_order` relies on); RETURNING rows come back in
no promised order, so callers match them by a returned key or by sorted ids.
"""

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from itertools import chain
from typing import Any

from pydantic_core import to_json
from sqlalchemy import JSON, Column, Table
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from nabd.core.plain_rows import sqlite_moment
from nabd.core.sqlite_writers import holds_write_lock
from nabd.core.types import UTCDateTime

# Rows at most that `insert_rows` binds row by row on SQLite (a single survey response's
# rows): for so few, the column path's set-up (a list per column, a lookup of each distinct
# value, the statement split by SQLite's parameter limit) cost more than binding each value.
ROW_BY_ROW = 16


def insert_rows(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: Sequence[str] = (),
    skip_conflicts_on: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert `rows` (all with the same keys; Python-side column defaults fill the rest);
    rows conflicting on the unique `skip_conflicts_on` columns are skipped. The `returning`
    columns of the inserted rows."""
    if not rows:
        return []
    if len(rows) <= ROW_BY_ROW:
        # The session's connection, as `_bound_plan` takes it.
        session.flush()
        connection = session.connection()
        if connection.dialect.name == "sqlite":
            plan = _row_plan(
                connection.dialect,
                table,
                tuple(rows[0]),
                tuple(returning),
                tuple(skip_conflicts_on),
            )
            if len(rows) * plan.width <= _parameter_limit(connection):
                sql = _sqlite_values(plan.sql, plan.width, len(rows))
                returned = driver_write(connection, sql, plan.parameters(rows))
                return returned if returning else []
    columns = {name: [row.get(name) for row in rows] for name in rows[0]}
    return insert_columns(
        session, table, columns, returning=returning, skip_conflicts_on=skip_conflicts_on
    )


def insert_columns(
    session: Session,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    returning: Sequence[str] = (),
    skip_conflicts_on: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """`insert_rows` for rows given as columns (name → one value per row, all as long), for
    callers that build their rows column by column and need no dict per row."""
    count = len(next(iter(columns.values()), ()))
    if not count:
        return []
    connection, plan, bound_columns = _bound_plan(
        session, table, columns, returning, skip_conflicts_on, count
    )
    if connection.dialect.name == "postgresql":
        result = connection.exec_driver_sql(plan.sql, tuple(bound_columns))
        return [tuple(row) for row in result] if returning else []
    returned: list[tuple[Any, ...]] = []
    for sql, parameters in _sqlite_chunks(connection, plan, bound_columns):
        returned.extend(driver_write(connection, sql, parameters))
    return returned if returning else []


def insert_ids(
    session: Session,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    *,
    skip_conflicts_on: Sequence[str] = (),
) -> Sequence[int]:
    """`insert_columns` for a table keyed by an integer `id`: the ids of the rows it inserted,
    ascending, which is the order of the given rows (those skipped as conflicts aside).

    On SQLite without RETURNING. The rows of one INSERT get consecutive rowids, each one past
    the largest in the table at that moment (SQLite's rowid algorithm, for a table without
    AUTOINCREMENT whose largest rowid is below 2**63 - 1; nothing else writes while the
    statement runs), so they are the statement's `rowcount` ids ending at its `lastrowid`.
    RETURNING handed back one row per step of the statement, each step giving up the GIL
    and waiting to take it back while the process's SQLite write lock was held: 500 of them
    for a batch of survey responses, and again for its feedback items. On PostgreSQL,
    `RETURNING id`, sorted."""
    count = len(next(iter(columns.values()), ()))
    if not count:
        return []
    if session.get_bind().dialect.name == "postgresql":
        returned = insert_columns(
            session, table, columns, returning=("id",), skip_conflicts_on=skip_conflicts_on
        )
        return sorted(row_id for (row_id,) in returned)
    connection, plan, bound_columns = _bound_plan(
        session, table, columns, (), skip_conflicts_on, count
    )
    ids: list[range] = []
    for sql, parameters in _sqlite_chunks(connection, plan, bound_columns):
        inserted, last = driver_insert(connection, sql, parameters)
        ids.append(range(last - inserted + 1, last + 1) if inserted else range(0))
    return ids[0] if len(ids) == 1 else [row_id for part in ids for row_id in part]


def _bound_plan(
    session: Session,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    returning: Sequence[str],
    skip_conflicts_on: Sequence[str],
    count: int,
) -> tuple[Connection, "_Plan", list[Sequence[Any]]]:
    """The session's connection, the INSERT's plan and its columns' bound values."""
    # The session's connection, past the ORM's bulk-insert layer (plain table rows need none
    # of it); what the session holds pending is written first, as its own execute would.
    session.flush()
    connection = session.connection()
    dialect = connection.dialect
    plan = _plan(dialect, table, tuple(columns), tuple(returning), tuple(skip_conflicts_on))
    bound_columns = [
        # None too, as SQLAlchemy does: a JSON column stores JSON null, not SQL NULL.
        _bound(processor, columns[name] if name in columns else [default] * count)
        for name, processor, default in _with_default_values(plan.columns)
    ]
    return connection, plan, bound_columns


def _sqlite_chunks(
    connection: Connection, plan: "_Plan", bound_columns: Sequence[Sequence[Any]]
) -> list[tuple[str, tuple[Any, ...]]]:
    """The SQLite statements of the rows: a column whose rows all hold one value (a batch's
    workspace, survey, received time, a JSON null) bound once per statement as a numbered
    parameter that every row names, the others row by row; as many rows per statement as
    SQLite's limit on parameters allows (32,766 by default).

    Binding every row's copy of such a value, and flattening it into the parameters first,
    was most of the Python time of inserting a batch's rows."""
    shared = tuple(_one_value(values) for values in bound_columns)
    once = tuple(values[0] for values, one in zip(bound_columns, shared, strict=True) if one)
    varying = [values for values, one in zip(bound_columns, shared, strict=True) if not one]
    count = len(bound_columns[0])
    if not varying:  # every row the same: still one row each
        rows: list[tuple[Any, ...]] = [()] * count
        chunk = count
    else:
        rows = list(zip(*varying, strict=True))
        chunk = max(1, (_parameter_limit(connection) - len(once)) // len(varying))
    statements = []
    for start in range(0, count, chunk):
        part = rows[start : start + chunk]
        sql = _sqlite_numbered(plan.sql, shared, len(part))
        statements.append((sql, once + tuple(chain.from_iterable(part))))
    return statements


def _one_value(values: Sequence[Any]) -> bool:
    """Whether every value is equal to the first and of its type (1 and 1.0 are equal but
    bound as an integer and a real), so binding the first once binds them all."""
    if len(values) < 2:
        return False
    first = values[0]
    # The last compared first: most columns that vary differ there, and stop here.
    return (
        values[-1] == first
        and values.count(first) == len(values)
        and len(set(map(type, values))) == 1
    )


def _parameter_limit(connection: Connection) -> int:
    """SQLite's limit on a statement's parameters (32,766 by default)."""
    driver = connection.connection.driver_connection
    return int(driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))  # type: ignore[union-attr]


def driver_insert(connection: Connection, sql: str, parameters: Sequence[Any]) -> tuple[int, int]:
    """A SQLite INSERT as `driver_write` runs it: (rows inserted, the last one's rowid)."""
    if not holds_write_lock(connection):
        result = connection.exec_driver_sql(sql, tuple(parameters))
        return result.rowcount, int(result.lastrowid or 0)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, parameters)
        return cursor.rowcount, int(cursor.lastrowid or 0)
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, parameters, error, sqlite3.Error) from error
    finally:
        cursor.close()


def driver_write(
    connection: Connection, sql: str, parameters: Sequence[Any], *, many: bool = False
) -> list[tuple[Any, ...]]:
    """A SQLite write (`parameters` a sequence of rows when `many`); the rows it returns.

    Straight through the driver's cursor once the connection holds the process's write lock
    (`nabd.core.sqlite_writers`; a group commit takes it with its BEGIN IMMEDIATE): for a
    single survey response, SQLAlchemy's execution context and result set-up around each of
    its few one-row statements cost several times SQLite's own work. Errors are raised as
    SQLAlchemy raises them (`IntegrityError` …). Before the lock is held, through SQLAlchemy,
    whose statement event takes it."""
    if not holds_write_lock(connection):
        if many:
            connection.exec_driver_sql(sql, list(parameters))
            return []
        result = connection.exec_driver_sql(sql, tuple(parameters))
        return list(map(tuple, result.fetchall())) if result.returns_rows else []  # one fetch
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if many:
            cursor.executemany(sql, parameters)
            return []
        cursor.execute(sql, parameters)
        return cursor.fetchall()
    except sqlite3.Error as error:
        raise DBAPIError.instance(sql, parameters, error, sqlite3.Error) from error
    finally:
        cursor.close()


def _bound(processor: Callable[[Any], Any] | None, values: Sequence[Any]) -> Sequence[Any]:
    """One column's values through its bind processor, each distinct value once: a batch's
    rows share most of theirs (the time it was received, a JSON null), and formatting a
    datetime costs far more than looking it up. Values are told apart by object first (in
    C: a column of one shared value costs no Python step per row), then by value."""
    if processor is None:
        return values
    if len(values) == 1:  # a single response's row: nothing to share
        return [processor(values[0])]
    identities = list(map(id, values))
    objects = dict(zip(identities, values, strict=True))
    try:
        # Keyed by type too: 1 and True are equal but a JSON column stores them differently.
        distinct = {(value.__class__, value): value for value in objects.values()}
    except TypeError:  # lists and documents for JSON columns: each distinct object once
        bound = {identity: processor(value) for identity, value in objects.items()}
    else:
        by_value = {key: processor(value) for key, value in distinct.items()}
        bound = {identity: by_value[value.__class__, value] for identity, value in objects.items()}
    return list(map(bound.__getitem__, identities))


def _with_default_values(
    columns: Sequence[tuple[str, Callable[[Any], Any] | None, Any]],
) -> list[tuple[str, Callable[[Any], Any] | None, Any]]:
    """The plan's columns with each default worked out for this call (a function default,
    such as the current time, once per statement, as before)."""
    return [
        (name, processor, _default(default) if default is not None else None)
        for name, processor, default in columns
    ]


@dataclass(frozen=True)
class _RowPlan:
    """`_Plan` for binding a few rows on SQLite row by row: per given column its name and
    bind processing, then per column left to its default the default and its processing."""

    sql: str
    width: int
    given: tuple[tuple[str, Callable[[Any], Any]], ...]
    defaults: tuple[tuple[Callable[[Any], Any], Any], ...]

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[Any]:
        """The rows' values in statement order, bound as `_bound_plan` binds them (a
        function default computed once for the statement)."""
        extra = [
            bind(_default(default) if default is not None else None)
            for bind, default in self.defaults
        ]
        values: list[Any] = []
        for row in rows:
            values.extend([bind(row.get(name)) for name, bind in self.given])
            values.extend(extra)
        return values


def _unchanged(value: Any) -> Any:
    return value


@cache
def _row_plan(
    dialect: Dialect,
    table: Table,
    given: tuple[str, ...],
    returning: tuple[str, ...],
    conflicts: tuple[str, ...],
) -> _RowPlan:
    plan = _plan(dialect, table, given, returning, conflicts)
    binds = [(name, processor or _unchanged, default) for name, processor, default in plan.columns]
    return _RowPlan(
        sql=plan.sql,
        width=len(binds),
        given=tuple((name, bind) for name, bind, _default in binds[: len(given)]),
        defaults=tuple((bind, default) for _name, bind, default in binds[len(given) :]),
    )


@dataclass(frozen=True)
class _Plan:
    """An INSERT worked out once per table, columns and dialect: its SQL, and per column the
    name, the type's bind processor and the value a row that leaves it out gets."""

    sql: str
    columns: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]


@cache
def _plan(
    dialect: Dialect,
    table: Table,
    given: tuple[str, ...],
    returning: tuple[str, ...],
    conflicts: tuple[str, ...],
) -> _Plan:
    names = _with_defaults(table, given)
    columns = tuple(
        (name, bind_processor(dialect, table.c[name]), table.c[name].default) for name in names
    )
    return _Plan(_statement(dialect, table, names, returning, conflicts), columns)


def bind_processor(dialect: Dialect, column: Column[Any]) -> Callable[[Any], Any] | None:
    """The column type's own bind processing, except for the two types that were most of a
    batch's Python time on SQLite, done the same way by faster means: UTC datetimes (the
    text SQLAlchemy stores) and JSON documents (pydantic-core's serialiser: the same JSON,
    without the spaces and with Arabic as UTF-8 rather than escaped)."""
    if dialect.name == "sqlite":
        if isinstance(column.type, UTCDateTime):
            return _sqlite_utc
        if isinstance(column.type, JSON):
            return json_text
    return column.type.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # as UTCDateTime refuses it
        raise ValueError("naive datetime given; nabd stores timezone-aware UTC only")
    return sqlite_moment(value)


def driver_rows(session: Session, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
    """A read in the session's transaction straight through the driver's cursor, for the
    per-request hot paths: SQLAlchemy's statement cache, result metadata and type processing
    cost several times SQLite's own work for a one-row lookup. `sql` uses `?` placeholders
    (turned into psycopg's `%s`); values come back as the driver gives them (on SQLite a
    datetime is its stored text). Not for writes: on SQLite those must pass
    `nabd.core.sqlite_writers`, which listens to SQLAlchemy's statement events."""
    session.flush()  # as an ORM query would (autoflush): pending objects are visible
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        sql = sql.replace("?", "%s")
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(parameters))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _with_defaults(table: Table, given: tuple[str, ...]) -> tuple[str, ...]:
    """The given columns, then those not given that have a Python-side default (a value or
    a function; a default that is SQL is left to the database's own INSERT path)."""
    extra = tuple(
        column.key
        for column in table.columns
        if column.key not in given
        and not column.primary_key
        and (
            getattr(column.default, "is_scalar", False)
            or getattr(column.default, "is_callable", False)
        )
    )
    return given + extra


def _default(default: Any) -> Any:
    """The value of a column's default (a `ColumnDefault`), computed now."""
    arg = getattr(default, "arg", None)
    if getattr(default, "is_callable", False):
        return arg(None)  # type: ignore[misc]  # SQLAlchemy wraps it to take a context
    return arg


@cache
def _statement(
    dialect: Dialect,
    table: Table,
    names: tuple[str, ...],
    returning: tuple[str, ...],
    conflicts: tuple[str, ...],
) -> str:
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    if dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{_array_element(dialect, table.c[name])}[]" for name in names)
        source = f"SELECT * FROM unnest({arrays})"  # noqa: S608
    else:
        source = "VALUES {rows}"  # filled in by _sqlite_values for each number of rows
    # Names and types come from the table's metadata, never from input.
    sql = f"INSERT INTO {preparer.format_table(table)} ({columns}) {source}"
    if conflicts:
        sql += f" ON CONFLICT ({', '.join(preparer.quote(n) for n in conflicts)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(preparer.quote(name) for name in returning)}"
    return sql


def _array_element(dialect: Dialect, column: Column[Any]) -> str:
    """The column's type as a PostgreSQL array element: without its collation (`text COLLATE
    "C"[]` is no type), which the column applies when the value is stored."""
    column_type = column.type.dialect_impl(dialect)
    if getattr(column_type, "collation", None):
        column_type = copy(column_type)
        column_type.collation = None  # type: ignore[attr-defined]
    return column_type.compile(dialect=dialect)


@lru_cache(maxsize=64)
def _sqlite_values(sql: str, width: int, count: int) -> str:
    """The SQLite statement with `count` rows of `width` parameters."""
    row = f"({', '.join('?' * width)})"
    return sql.replace("{rows}", ", ".join([row] * count), 1)


@lru_cache(maxsize=64)
def _sqlite_numbered(sql: str, shared: tuple[bool, ...], count: int) -> str:
    """The SQLite statement with `count` rows of `len(shared)` columns, each parameter
    numbered: the shared columns' first (`?1` …, the same in every row), then the other
    columns' row after row. (An unnumbered `?` takes the number after the largest one
    already used, so it cannot follow a shared one.)"""
    if not any(shared):
        return _sqlite_values(sql, len(shared), count)
    number = sum(shared)
    shared_numbers = iter(range(1, number + 1))
    template = [next(shared_numbers) if one else None for one in shared]
    rows = []
    for _row in range(count):
        names = []
        for fixed in template:
            if fixed is None:
                number += 1
                names.append(f"?{number}")
            else:
                names.append(f"?{fixed}")
        rows.append(f"({', '.join(names)})")
    return sql.replace("{rows}", ", ".join(rows), 1)


def json_text(value: Any) -> str:
    """A JSON document as text (pydantic-core's serialiser, several times json.dumps' speed)."""
    return to_json(value).decode()
