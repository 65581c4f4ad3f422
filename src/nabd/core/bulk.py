"""Many rows in one INSERT, optionally skipping conflicts and returning columns: one call
for SQLite and PostgreSQL.

SQLAlchemy's executemany with RETURNING ("insertmanyvalues") renders one VALUES tuple per
row. On PostgreSQL psycopg then parses that statement (tens of thousands of placeholders)
in Python on every call, which was half of the CPU of storing a batch of 500 survey
responses (bench/survey_responses.py). There each column travels instead as one array
parameter, `INSERT … SELECT * FROM unnest(%s::bigint[], …)`: a short statement with as
many parameters as columns, whatever the number of rows. SQLite keeps SQLAlchemy's path,
whose placeholders pysqlite binds in C.

Rows keep their order: one statement inserts them in the order given, so autoincrement
ids increase with the position of the row (the property SQLAlchemy's own
`sort_by_parameter_order` relies on).
"""

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


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
    columns of the inserted rows, in insertion order."""
    if not rows:
        return []
    # The session's connection, past the ORM's bulk-insert layer (plain table rows need none
    # of it); what the session holds pending is written first, as its own execute would.
    session.flush()
    connection = session.connection()
    dialect = connection.dialect
    names = _with_defaults(table, tuple(rows[0]))
    if dialect.name != "postgresql":
        statement = _sqlalchemy_insert(table, names, tuple(returning), tuple(skip_conflicts_on))
        filled = [_filled(table, names, row) for row in rows]
        if returning:
            return [tuple(row) for row in connection.execute(statement, filled)]
        connection.execute(statement, filled)
        return []
    sql = _unnest_insert(dialect, table, names, tuple(returning), tuple(skip_conflicts_on))
    arrays = _column_arrays(dialect, table, names, rows)
    result = connection.exec_driver_sql(sql, tuple(arrays))
    return [tuple(row) for row in result] if returning else []


def _with_defaults(table: Table, given: tuple[str, ...]) -> tuple[str, ...]:
    """The given columns, then those not given that have a Python-side default."""
    extra = tuple(
        column.key
        for column in table.columns
        if column.key not in given and column.default is not None and not column.primary_key
    )
    return given + extra


def _default(column: Column[Any]) -> Any:
    default = column.default
    arg = getattr(default, "arg", None)
    if getattr(default, "is_callable", False):
        return arg(None)  # type: ignore[misc]  # SQLAlchemy wraps it to take a context
    return arg


def _filled(table: Table, names: tuple[str, ...], row: Mapping[str, Any]) -> Mapping[str, Any]:
    if len(row) == len(names):
        return row
    return {name: row[name] if name in row else _default(table.c[name]) for name in names}


@cache
def _sqlalchemy_insert(
    table: Table, names: tuple[str, ...], returning: tuple[str, ...], conflicts: tuple[str, ...]
) -> Any:
    statement = sqlite.insert(table)
    if conflicts:
        statement = statement.on_conflict_do_nothing(index_elements=list(conflicts))
    if returning:
        return statement.returning(*(table.c[name] for name in returning))
    return statement


@cache
def _unnest_insert(
    dialect: Dialect,
    table: Table,
    names: tuple[str, ...],
    returning: tuple[str, ...],
    conflicts: tuple[str, ...],
) -> str:
    preparer = postgresql.dialect().identifier_preparer
    columns = ", ".join(preparer.quote(name) for name in names)
    arrays = ", ".join(
        f"%s::{table.c[name].type.dialect_impl(dialect).compile(dialect=dialect)}[]"
        for name in names
    )
    # Names and types come from the table's metadata, never from input.
    target = preparer.format_table(table)
    sql = f"INSERT INTO {target} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608
    if conflicts:
        sql += f" ON CONFLICT ({', '.join(preparer.quote(n) for n in conflicts)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(preparer.quote(name) for name in returning)}"
    return sql


def _column_arrays(
    dialect: Dialect, table: Table, names: tuple[str, ...], rows: Sequence[Mapping[str, Any]]
) -> list[list[Any]]:
    """One list per column, each value through the column type's bind processing."""
    arrays: list[list[Any]] = []
    for name in names:
        column = table.c[name]
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        default = _default(column) if column.default is not None else None
        values = [row.get(name, default) for row in rows]
        if processor is not None:
            # None too, as SQLAlchemy does: a JSON column stores JSON null, not SQL NULL.
            values = [processor(value) for value in values]
        arrays.append(values)
    return arrays
