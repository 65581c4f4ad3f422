"""Set-based writes of plain rows through the DBAPI, for the ingestion hot paths.

SQLAlchemy's per-parameter processing (type decorators, JSON serialisers, bind names) cost
more than the database's own work on a batch of 500 events (bench/ingest_events.py: about
half of the in-process time). Here the caller hands over values already in the form the
driver stores, and each batch is one statement: an `executemany` on SQLite (its C loop) and
one `COPY` into a temporary table followed by one `INSERT … SELECT` on PostgreSQL (one plan
whatever the batch size). Statements go through the session's connection, so they share its
transaction and SQLite's per-process writer lock (`nabd.core.sqlite_writers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any

import numpy as np

from nabd.core.pg_arrays import (
    int8_array,
    microseconds_since,
    register_binary_arrays,
    timestamptz_array,
)

if TYPE_CHECKING:  # the import's reader process uses `sqlite_moments` without SQLAlchemy
    from sqlalchemy.orm import Session

# Column types of the staging tables on PostgreSQL; SQLite needs none.
BIGINT, TEXT, TIMESTAMPTZ, JSONB = "bigint", "text", "timestamptz", "jsonb"
_UTC_OFFSET = timedelta(0)
WINDOW_COLUMNS = (("id", BIGINT), ("earliest", TIMESTAMPTZ), ("latest", TIMESTAMPTZ))
# Rows at most that PostgreSQL inserts as one plain VALUES list rather than through a stage.
FEW_ROWS = 16


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def moment_writer(session: Session) -> Any:
    """How a timezone-aware datetime is stored: SQLAlchemy's SQLite text, or as is."""
    return sqlite_moment if is_sqlite(session) else utc_moment


def sqlite_moment(value: datetime) -> str:
    """The text `nabd.core.types.UTCDateTime` stores on SQLite (naive UTC, microseconds), so
    rows written here sort and compare with rows written through the ORM."""
    if value.utcoffset() != _UTC_OFFSET:
        value = value.astimezone(UTC)
    # "YYYY-MM-DD HH:MM:SS.ffffff" followed by "+00:00", which SQLite's text leaves out.
    return value.isoformat(" ", "microseconds")[:26]


def utc_moment(value: datetime) -> datetime:
    return value


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE_TIME_SEPARATOR = 10  # "YYYY-MM-DDTHH:…": the 'T' (years 1–9999 have four digits)


def sqlite_moments(values: Sequence[datetime]) -> list[str]:
    """`sqlite_moment` of each value, formatted by numpy a batch at a time (one
    `isoformat` per event was a tenth of the events API's Python time)."""
    if not values:
        return []
    count = len(values)
    micros = microseconds_since(_EPOCH, values)
    text = np.datetime_as_string(micros.astype("datetime64[us]"), unit="us")
    # ISO's 'T' becomes SQLite's space in place, one UCS-4 code unit per character
    # (`np.char.replace` cost as much as the formatting).
    text.view(np.uint32).reshape(count, -1)[:, _DATE_TIME_SEPARATOR] = ord(" ")
    stored: list[str] = text.tolist()
    return stored


def moments_writer(session: Session) -> Any:
    """`moment_writer` for a whole list of moments."""
    return sqlite_moments if is_sqlite(session) else list


def _staged(session: Session, name: str, columns: Sequence[tuple[str, str]], rows: Any) -> str:
    """PostgreSQL: `rows` copied into a private temporary table (created on first use in
    the session, emptied at commit), named for the caller to read in one statement
    (`_from_stage` gives its columns back in their types).

    COPY costs about a fifth of the client CPU of binding the same rows as unnest arrays, and
    a seventh of the wall time (measured with 500 events: 2.2 against 9.8 µs/row CPU). The
    binary format costs less again on both sides (500 event rows: 1.8–2.1 against 3.3–3.7 µs
    a row of client CPU, 2.5–3.0 against 3.0–3.4 of the server's): numbers and timestamps
    travel as they are stored instead of as text to parse. A JSON document arrives as its
    text (psycopg's binary jsonb would store a Python str as a JSON string), so it is staged
    as text and cast by `_from_stage`, which is the parsing the text format did anyway.
    """
    stage = f"nabd_stage_{name}"
    names = ", ".join(column for column, _kind in columns)
    kinds = [TEXT if kind == JSONB else kind for _column, kind in columns]
    definition = ", ".join(
        f"{column} {kind}" for (column, _), kind in zip(columns, kinds, strict=True)
    )
    driver = session.connection().connection.driver_connection  # psycopg, same transaction
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        # One round trip for both (no parameters: the simple protocol takes several statements).
        create = f"CREATE TEMP TABLE IF NOT EXISTS {stage} ({definition}) ON COMMIT DELETE ROWS"
        cursor.execute(f"{create}; DELETE FROM {stage}")  # noqa: S608 - our own table name
        with cursor.copy(f"COPY {stage} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(kinds)
            for row in rows:
                copy.write_row(row)
    return stage


def _from_stage(columns: Sequence[tuple[str, str]]) -> str:
    """The staged columns in their own types: JSON documents cast from their staged text."""
    return ", ".join(f"{name}::jsonb" if kind == JSONB else name for name, kind in columns)


def insert_ignoring_conflicts(
    session: Session,
    *,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Any, ...]],
    conflict_columns: Sequence[str],
) -> int:
    """Insert `rows` (tuples in `columns` order); a row whose key exists is skipped.

    Returns how many rows were written, which is what an idempotent ingest reports.
    """
    if not rows:
        return 0
    names = ", ".join(name for name, _kind in columns)
    conflict = f"ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING"
    connection = session.connection()
    if is_sqlite(session):
        return sqlite_insert(
            connection, f"INSERT INTO {table} ({names}) VALUES", rows, conflict=conflict
        )
    if len(rows) <= FEW_ROWS:
        # A request's few rows (one survey response's new customer): one statement, where
        # staging costs three round trips (about 60 µs of client CPU each insert).
        row = f"({', '.join(f'%s::{kind}' for _name, kind in columns)})"
        values = ", ".join([row] * len(rows))
        sql = f"INSERT INTO {table} ({names}) VALUES {values} {conflict}"  # noqa: S608
        flat = tuple(value for given in rows for value in given)
        return int(connection.exec_driver_sql(sql, flat).rowcount)
    return _insert_staged(session, table, columns, rows, conflict_columns)[0]


# Rows a statement of SQLite's `sqlite_insert` carries (at most 999 parameters, SQLite's
# limit before 3.32, for up to 31 columns).
SQLITE_ROWS_A_STATEMENT = 32


def sqlite_insert(
    connection: Any,
    insert: str,
    rows: Sequence[tuple[Any, ...]],
    *,
    row: str | None = None,
    conflict: str = "",
) -> int:
    """SQLite: `rows` inserted by `insert` ("INSERT INTO t (…) VALUES") followed by
    `conflict`, in their order; how many were written. `row` is a row's values in SQL, one `?`
    for each of its values (None: each value as it is).

    Whole runs of SQLITE_ROWS_A_STATEMENT rows go as one statement each, all by one
    `executemany` (its C loop); the rows left over, one statement each. A statement per row ran
    SQLite's set-up of the insert (its program's start, a cursor opened on the table and on
    each index, the transaction checked) for every row, and sqlite3 gave up the GIL and took
    it back around each: 3.7–3.8 µs an event row of 4 B-trees, against 2.9–3.1 µs in runs of
    25–500 rows (bench/README.md, `sqlnew`). Two statement texts a table, which sqlite3's
    cache keeps prepared (a batch's count in one statement would prepare each new count
    afresh). sqlite3's `rowcount` sums what each execution changed.
    """
    if not rows:
        return 0
    marks = row or f"({', '.join('?' * len(rows[0]))})"
    whole = len(rows) - len(rows) % SQLITE_ROWS_A_STATEMENT
    written = 0
    if whole:
        # Table and column names are the caller's constants, never request data.
        values = ", ".join([marks] * SQLITE_ROWS_A_STATEMENT)
        runs = [
            tuple(chain.from_iterable(rows[start : start + SQLITE_ROWS_A_STATEMENT]))
            for start in range(0, whole, SQLITE_ROWS_A_STATEMENT)
        ]
        written += connection.exec_driver_sql(f"{insert} {values} {conflict}", runs).rowcount
    if whole < len(rows):
        rest = list(rows[whole:])
        written += connection.exec_driver_sql(f"{insert} {marks} {conflict}", rest).rowcount
    return int(written)


def insert_new_rows(
    session: Session,
    *,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Any, ...]],
    conflict_columns: Sequence[str],
) -> int:
    """`insert_ignoring_conflicts` of rows whose keys the caller has just found unstored.

    PostgreSQL: `copy_new_rows`, instead of a stage and then `INSERT … SELECT … ON CONFLICT`:
    the stage's write and read and the speculative insertion cost the backend about as much
    again as the rows themselves (bench/ingest_floor.py). A row that a concurrent writer
    stored since the caller looked fails the COPY; the rows then go through
    `insert_ignoring_conflicts`, so the outcome is the same either way.
    """
    copied = (
        not is_sqlite(session)
        and len(rows) > FEW_ROWS
        and copy_new_rows(session, table=table, columns=columns, rows=rows)
    )
    if copied:
        return len(rows)
    return insert_ignoring_conflicts(
        session, table=table, columns=columns, rows=rows, conflict_columns=conflict_columns
    )


def copy_new_rows(
    session: Session,
    *,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Any, ...]],
    own_savepoint: bool = True,
) -> bool:
    """PostgreSQL: the rows COPYed (binary) straight into `table` under a savepoint; False,
    with nothing written, when one of them breaks a unique key (it is stored already).

    Without `own_savepoint` the COPY runs under the caller's savepoint, all of whose work
    its failure is to undo: on False the transaction is failed until the caller rolls back to
    it. Two round trips fewer (SAVEPOINT and RELEASE).
    """
    from psycopg.errors import UniqueViolation
    from psycopg.types.json import set_json_dumps

    names = ", ".join(name for name, _kind in columns)
    driver = session.connection().connection.driver_connection  # psycopg, same transaction
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        # A JSON document is its text already: sent as the jsonb it is, not dumped again.
        set_json_dumps(str, context=cursor)
        if own_savepoint:
            cursor.execute("SAVEPOINT nabd_new_rows")
        try:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types([kind for _name, kind in columns])
                for row in rows:
                    copy.write_row(row)
        except UniqueViolation:
            if own_savepoint:
                cursor.execute("ROLLBACK TO SAVEPOINT nabd_new_rows")
            return False
        if own_savepoint:
            cursor.execute("RELEASE SAVEPOINT nabd_new_rows")
    return True


def rollback_to_savepoint(session: Session, name: str) -> None:
    """PostgreSQL: the transaction back to the savepoint `name` (which stays set), and every
    object of the session expired: rows it loaded or changed since may be gone or older.
    (The session flushed at the savepoint, so nothing written before it is lost:
    `nabd.events.places.index_places_at_savepoint`.)"""
    _driver_execute(session, f"ROLLBACK TO SAVEPOINT {name}")
    session.expire_all()


def _driver_execute(session: Session, sql: str) -> None:
    """`sql`, our own text without parameters, through psycopg in the session's transaction
    (the simple protocol: several statements in one round trip)."""
    driver = session.connection().connection.driver_connection
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute(sql)


def _insert_staged(
    session: Session,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Any, ...]],
    conflict_columns: Sequence[str],
) -> tuple[int, str]:
    """PostgreSQL: `rows` staged and inserted; how many were written, and the stage's name."""
    names = ", ".join(name for name, _kind in columns)
    conflict = f"ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING"
    stage = _staged(session, table, columns, rows)
    values = _from_stage(columns)
    sql = f"INSERT INTO {table} ({names}) SELECT {values} FROM {stage} {conflict}"  # noqa: S608
    return int(session.connection().exec_driver_sql(sql).rowcount), stage


def insert_widening_seen(
    session: Session,
    *,
    table: str,
    columns: Sequence[tuple[str, str]],
    rows: Sequence[tuple[Any, ...]],
    conflict_columns: Sequence[str],
    workspace_id: int,
) -> int:
    """PostgreSQL: `insert_ignoring_conflicts` of rows that carry `customer_id` and
    `occurred_at`, then their customers' first/last-seen dates widened to them as
    `widen_seen_window` does. Returns how many rows were written.

    The windows are aggregated by the database from the rows already staged for the INSERT
    instead of built and staged by the client: a second COPY and two round trips fewer per
    batch. Not one statement with the INSERT in a CTE, though that is one round trip fewer
    again: the INSERT's foreign-key checks then run after the UPDATE, and finding each
    customer's new row version made the customer check cost three times as much (2.6 against
    6.8–7.9 ms for 500 events, auto_explain), more than the round trip saved.
    """
    if not rows:
        return 0
    written, stage = _insert_staged(session, table, columns, rows, conflict_columns)
    windows = (
        "SELECT customer_id AS id, min(occurred_at) AS earliest, max(occurred_at) AS latest "  # noqa: S608
        f"FROM {stage} GROUP BY customer_id"
    )
    session.connection().exec_driver_sql(_WIDEN.format(windows=windows), (workspace_id,))
    return written


# PostgreSQL's set-based widening of first/last-seen dates (`customer_seen`, narrow: cheap to
# rewrite) to the (customer id, earliest, latest) rows of the query `windows`; the only
# parameter is the workspace. Rows are updated in id order, so concurrent batches lock them
# in the same order. They are found by their primary key (`= ANY` of the windows' ids)
# whatever the statistics say: a plain join let the planner read every customer of the
# workspace by its workspace index instead (stale statistics of a young table: 10,000
# customers read and sorted for a batch of 500, 4 ms against 1.5), or hash them all. The
# workspace is checked on the rows found, as a filter (`IS TRUE`), so it never becomes the
# way in: as an index condition it even had the planner scan another index of the workspace
# for the ids (measured on `customers`, where the dates were kept until 0023). The indexed UTC
# day `last_seen_on` is set with `last_seen_at`: a rewrite within the day leaves it as it was,
# so PostgreSQL updates the row in place of its page (HOT: no index entry; migration 0025).
_WIDEN = (
    "WITH windows AS MATERIALIZED ({windows}) "
    "UPDATE customer_seen AS c SET "
    "first_seen_at = LEAST(c.first_seen_at, v.earliest), "
    "last_seen_at = GREATEST(c.last_seen_at, v.latest), "
    "last_seen_on = (GREATEST(c.last_seen_at, v.latest) AT TIME ZONE 'UTC')::date "
    "FROM (SELECT * FROM windows ORDER BY id) AS v "
    "WHERE c.customer_id = v.id AND c.customer_id = ANY(ARRAY(SELECT id FROM windows)) "
    "AND (c.workspace_id = %s) IS TRUE AND (c.first_seen_at IS NULL OR "
    "c.first_seen_at > v.earliest OR c.last_seen_at IS NULL OR c.last_seen_at < v.latest)"
)


def widen_seen_moments(
    session: Session, *, workspace_id: int, customer_ids: Sequence[int], moments: Sequence[Any]
) -> None:
    """PostgreSQL: `widen_seen_window` to each customer's earliest and latest moment of the
    (customer, moment) pairs, aggregated by the database from two arrays: one statement,
    where the windows staged cost a COPY and a round trip more. Sent in binary (`%b`):
    psycopg's text form of 500 datetimes cost the client 2 ms, the binary one 0.2, and the
    arrays built by numpy (`nabd.core.pg_arrays`) and sent through the driver's cursor less
    again (0.2 ms a batch of 500 fewer than psycopg's lists through SQLAlchemy)."""
    if not customer_ids:
        return
    windows = (
        "SELECT id, min(at) AS earliest, max(at) AS latest "
        "FROM unnest(%b::bigint[], %b::timestamptz[]) AS w(id, at) GROUP BY id"
    )
    driver = session.connection().connection.driver_connection  # psycopg, same transaction
    with driver.cursor() as cursor:  # type: ignore[union-attr]
        register_binary_arrays(cursor)
        cursor.execute(
            _WIDEN.format(windows=windows),
            (int8_array(customer_ids), timestamptz_array(moments), workspace_id),
        )


def select_in(
    session: Session, *, sql: str, values: Sequence[Any], params: Sequence[Any] = ()
) -> list[Any]:
    """Run `sql` whose last condition is `… {IN}` over `values`: `IN (?, …)` on SQLite,
    `= ANY(%s)` (one array parameter, one plan) on PostgreSQL. `params` come first."""
    if not values:
        return []
    session.flush()  # as an ORM query would (autoflush): pending objects are visible
    connection = session.connection()
    if is_sqlite(session):
        marks = ", ".join("?" * len(values))
        statement = sql.replace("{IN}", f"IN ({marks})").replace("%s", "?")
        result = connection.exec_driver_sql(statement, (*params, *values))
    else:
        statement = sql.replace("{IN}", "= ANY(%s)")
        result = connection.exec_driver_sql(statement, (*params, list(values)))
    # The driver's tuples as they are: a Row object per row cost more than the query.
    rows = list(result.cursor.fetchall()) if result.cursor is not None else []
    result.close()
    return rows


def select_unique(
    session: Session, *, sql: str, values: Sequence[str], params: Sequence[Any] = ()
) -> list[Any]:
    """`select_in` for a unique text key (each value matches at most one row): on PostgreSQL
    each value probes the key's index, whatever the table's statistics say.

    `= ANY(%s)` left that choice to the planner, which on a young or growing table scanned all
    of the workspace's rows instead (500 event ids against 50,000 stored events: 5.9 ms, and
    more as the table grows, against 1.3 ms for 500 index probes). Here the values are
    `unnest`ed (each once) and each runs `sql` as a LATERAL subquery with LIMIT 1: an equality
    on the unique index, which the planner answers by that index. SQLite probes the index per
    value of `IN (?, …)` already."""
    if not is_sqlite(session) and values:
        session.flush()  # as select_in does
        probe = sql.replace("{IN}", "= k.key")
        statement = (
            "SELECT x.* FROM unnest(%s::text[]) AS k(key) "  # noqa: S608 - the caller's SQL
            f"CROSS JOIN LATERAL ({probe} LIMIT 1) AS x"
        )
        distinct = list(dict.fromkeys(values))
        result = session.connection().exec_driver_sql(statement, (distinct, *params))
        rows = list(result.cursor.fetchall()) if result.cursor is not None else []
        result.close()
        return rows
    return select_in(session, sql=sql, values=values, params=params)


def widen_seen_window(
    session: Session, *, workspace_id: int, windows: Sequence[tuple[int, Any, Any]]
) -> None:
    """Widen customers' first/last-seen dates to include (customer id, earliest, latest).

    Values come from `moment_writer`. Rows whose window already covers the batch are not
    rewritten. Ids are sorted so concurrent batches lock customers in the same order.
    """
    if not windows:
        return
    ordered = sorted(windows)
    connection = session.connection()
    if is_sqlite(session):
        rows = [(*window, workspace_id) for window in ordered]
        # SQLite rewrites the entry of every index holding a column that an UPDATE sets,
        # whether its value changes or not: setting `last_seen_on` cost a delete and an
        # insert in its index for each customer, while the day stays the same in nearly every
        # widening. The rows whose day stays are written first without it; only if some
        # customer was not among them (its day moves, its seen row is empty or missing) do all
        # go through the statement that sets the day too, which skips the rows just widened.
        kept_day = connection.exec_driver_sql(_SQLITE_WIDEN_WITHIN_DAY, rows).rowcount
        if kept_day < len(rows):
            connection.exec_driver_sql(_SQLITE_WIDEN, rows)
        return
    stage = _staged(session, "windows", WINDOW_COLUMNS, ordered)
    staged = f"SELECT * FROM {stage}"  # noqa: S608 - our own table name
    connection.exec_driver_sql(_WIDEN.format(windows=staged), (workspace_id,))


# SQLite's widening of one customer's seen row to (?1 customer, ?2 earliest, ?3 latest) in
# workspace ?4, and its indexed UTC day with it (`last_seen_on`: stored UTC text, ISO date
# first), when the window does not cover them yet.
_SQLITE_WIDEN_FIRST = (
    "UPDATE customer_seen SET "
    "first_seen_at = CASE WHEN first_seen_at IS NULL OR first_seen_at > ?2 "
    "THEN ?2 ELSE first_seen_at END, "
)
_SQLITE_WIDEN = (
    _SQLITE_WIDEN_FIRST + "last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < ?3 "
    "THEN ?3 ELSE last_seen_at END, "
    "last_seen_on = CASE WHEN last_seen_at IS NULL OR last_seen_at < ?3 "
    "THEN substr(?3, 1, 10) ELSE last_seen_on END "
    "WHERE customer_id = ?1 AND workspace_id = ?4 AND (first_seen_at IS NULL OR "
    "first_seen_at > ?2 OR last_seen_at IS NULL OR last_seen_at < ?3)"
)
# The same for a row whose day stays: its last-seen moment is not moved, or moved within its
# stored day. Such a row is counted even when its window covers the batch already (it is
# rewritten with its own values, which SQLite leaves unwritten), so a count short of the
# batch means a row that `_SQLITE_WIDEN` must see.
_SQLITE_WIDEN_WITHIN_DAY = (
    _SQLITE_WIDEN_FIRST
    + "last_seen_at = CASE WHEN last_seen_at < ?3 THEN ?3 ELSE last_seen_at END "
    "WHERE customer_id = ?1 AND workspace_id = ?4 AND "
    "(last_seen_at >= ?3 OR last_seen_on = substr(?3, 1, 10))"
)
