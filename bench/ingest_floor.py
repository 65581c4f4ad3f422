"""The anchor and the physical floor of ingesting events (CSV import, API), SQLite and PostgreSQL.

    python bench/ingest_floor.py                        # SQLite in a temp dir, 1,000,000 events
    python bench/ingest_floor.py --n 200000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/nabd_floor_bench
    python bench/ingest_floor.py --n 200000 --batch 500  # the events API's batches too

The rows are those `python bench/ingest_events.py --skip-api` makes nabd's CSV import write
(the same generated events: 10,000 customers, one event in five at the `checkout`
touchpoint), in `nabd.events.ingest.EVENT_COLUMNS` and in the form nabd stores them (SQLite:
moments as nabd's text; PostgreSQL: datetimes; properties as nabd's compact JSON text), with
the customers resolved to ids by nabd beforehand. They are built as Python tuples, in batches
of `--batch` rows, before any clock starts. Then, each path on a fresh copy of one database
migrated by nabd's own migrations (same indexes, foreign keys enforced; SQLite with nabd's
pragmas and the import's page cache):

- anchor: the rows into a plain table of the same columns, no index, no constraint
  (SQLite: one `executemany` a batch; PostgreSQL: one binary `COPY … FROM STDIN` a batch,
  `write_row` per row), one commit a batch: the issue's "bulk loading from Python objects";
- floor: the same rows into nabd's `events` table, one commit a batch (SQLite: nabd's
  `INSERT … ON CONFLICT DO NOTHING` by `executemany`; PostgreSQL: binary COPY straight into
  `events`), then with one commit per `ROWS_PER_TRANSACTION` rows as nabd's import commits,
  and that again with the customers' first/last-seen UPDATE the import writes once per
  transaction (one set-based UPDATE of every customer the transaction saw);
- PostgreSQL only: nabd's own statement shape, idempotent (per batch: empty a temporary
  stage, binary COPY into it, `INSERT INTO events … SELECT … ON CONFLICT DO NOTHING`; nabd's
  transactions and seen UPDATE), and the floor by 2 COPY streams at once (two connections on
  two threads, alternate batches each), the machine having 2 cores;
- the events API's transactions, for `--batch 500` as `bench/ingest_events.py` posts: the
  seen UPDATE and a commit per batch (PostgreSQL: one transaction a request, also in nabd's
  statement shape), and on SQLite per MAX_GROUP_WEIGHT rows, the most the group commit joins.

PostgreSQL also runs variants that change the run's copy off the clock, to tell where the
backend's time goes: `no FKs:` without `events`' foreign keys (what migration 0022 did; the
same as the floor on a schema that has it). The seen dates are in `customer_seen` since
migration 0023 (the `narrow seen` and `customers without …` variants that measured moving them
there are gone with the columns; bench/README.md keeps their figures). The seen UPDATE sets
the indexed UTC day `last_seen_on` with `last_seen_at` (migration 0025); `indexed time:` runs
the events API's transactions on the layout before 0025 (`last_seen_at` indexed, no day, no
fillfactor), and on PostgreSQL `day-skip:` on 0025's layout rewrites a row only when its day
or its first-seen moment moves (the price of a weaker `last_seen_at`, not what nabd does).
PostgreSQL's rows also show the share of `customer_seen`'s updates that were HOT (no index
entry written) and the WAL the run wrote a row (the whole server's: run it alone).
`--only TEXT` (repeatable) runs the paths whose label contains it.

The rows are written by plain DBAPI calls; no nabd logic runs on the clock (no lookups,
validation or identity resolution): what no implementation of the import could beat on this
machine, and what the rows cost as such.

With `--database-url`, the named PostgreSQL database is DROPPED and created afresh (connect
as a user allowed to), migrated and filled once, then copied (`CREATE DATABASE … TEMPLATE`)
for each path into `<name>_run`, which is dropped after it; both are dropped at the end.
Besides rows/s it prints the CPU µs per row of this process (all its threads) and, on a local
PostgreSQL, of the backends serving the run's database (`ingest_events.DatabaseCpu`: the
checkpointer's and WAL writer's CPU is not counted), and how much each path grew the database.
"""

import argparse
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from ingest_events import CUSTOMERS, T0, DatabaseCpu, prepare
from psycopg.types.json import set_json_dumps
from sqlalchemy import URL, make_url

from nabd.core.db import BUSY_TIMEOUT_MS, create_db_engine, create_session_factory, transaction
from nabd.core.group_commit import MAX_GROUP_WEIGHT
from nabd.core.plain_rows import JSONB, TEXT, sqlite_moment
from nabd.customers.identity import resolve_customers
from nabd.customers.references import CustomerReference
from nabd.events.ingest import EVENT_COLUMNS
from nabd.events.schemas import capped_json
from nabd.imports.runner import IMPORT_CACHE_KIB, ROWS_PER_TRANSACTION

Row = tuple[Any, ...]
NAMES = ", ".join(name for name, _kind in EVENT_COLUMNS)
KINDS = [kind for _name, kind in EVENT_COLUMNS]
PLAIN_TABLE = "plain_events"
PLAIN_DDL = f"CREATE TABLE {PLAIN_TABLE} ({', '.join(f'{n} {k}' for n, k in EVENT_COLUMNS)})"
SQLITE_INSERT = f"INSERT INTO {{table}} ({NAMES}) VALUES ({', '.join('?' * len(EVENT_COLUMNS))})"  # noqa: S608
EVENT_KEY_CONFLICT = " ON CONFLICT (workspace_id, client_event_id) DO NOTHING"
# The customers' first/last-seen window widened to a transaction's (id, earliest, latest),
# with the indexed UTC day of the last (migration 0025).
SQLITE_SEEN = (
    "UPDATE customer_seen SET first_seen_at = min(coalesce(first_seen_at, ?2), ?2), "
    "last_seen_at = max(coalesce(last_seen_at, ?3), ?3), "
    "last_seen_on = substr(max(coalesce(last_seen_at, ?3), ?3), 1, 10) WHERE customer_id = ?1"
)
WINDOWS = "floor_windows"
WINDOWS_DDL = (
    f"CREATE TEMP TABLE {WINDOWS} (id bigint, earliest timestamptz, latest timestamptz) "
    "ON COMMIT DELETE ROWS"
)
POSTGRES_SEEN = (
    "UPDATE customer_seen AS c SET first_seen_at = LEAST(c.first_seen_at, w.earliest), "  # noqa: S608
    "last_seen_at = GREATEST(c.last_seen_at, w.latest), "
    "last_seen_on = (GREATEST(c.last_seen_at, w.latest) AT TIME ZONE 'UTC')::date "
    f"FROM {WINDOWS} AS w WHERE c.customer_id = w.id"
)
# The seen layouts (`Method.seen_layout`). `day`: as migrated. `indexed time`: as before
# migration 0025, the precise `last_seen_at` indexed (no day column, no fillfactor), set up
# off the clock on the run's copy. `day-skip`, PostgreSQL: as migrated, a row rewritten only
# when its day or its first-seen moment moves (what a weaker `last_seen_at` would cost).
INDEXED_TIME_POSTGRES = (
    "CREATE INDEX ix_customer_seen_workspace_last_seen "
    "ON customer_seen (workspace_id, last_seen_at, customer_id)",
    "DROP INDEX ix_customer_seen_workspace_last_seen_on",
    "ALTER TABLE customer_seen DROP COLUMN last_seen_on",
    "ALTER TABLE customer_seen RESET (fillfactor)",
    "VACUUM FULL ANALYZE customer_seen",
)
INDEXED_TIME_SQLITE = (
    "CREATE INDEX ix_customer_seen_workspace_last_seen "
    "ON customer_seen (workspace_id, last_seen_at, customer_id)",
    "DROP INDEX ix_customer_seen_workspace_last_seen_on",
    "ALTER TABLE customer_seen DROP COLUMN last_seen_on",
    "VACUUM",
)
SQLITE_INDEXED_TIME_SEEN = (
    "UPDATE customer_seen SET first_seen_at = min(coalesce(first_seen_at, ?2), ?2), "
    "last_seen_at = max(coalesce(last_seen_at, ?3), ?3) WHERE customer_id = ?1"
)
POSTGRES_INDEXED_TIME_SEEN = (
    "UPDATE customer_seen AS c SET first_seen_at = LEAST(c.first_seen_at, w.earliest), "  # noqa: S608
    f"last_seen_at = GREATEST(c.last_seen_at, w.latest) FROM {WINDOWS} AS w "
    "WHERE c.customer_id = w.id"
)
POSTGRES_DAY_SKIP_SEEN = (
    POSTGRES_SEEN + " AND (c.first_seen_at > w.earliest "
    "OR c.last_seen_on < (w.latest AT TIME ZONE 'UTC')::date)"
)
# Every foreign key of `events` (to workspaces, customers, touchpoints, channels).
DROP_EVENT_FKS = (
    "DO $$ DECLARE c text; BEGIN FOR c IN SELECT conname FROM pg_constraint "
    "WHERE conrelid = 'events'::regclass AND contype = 'f' LOOP "
    "EXECUTE format('ALTER TABLE events DROP CONSTRAINT %I', c); END LOOP; END $$"
)
STAGE = "floor_stage"
# nabd stages a JSON document as text and casts it in the INSERT (nabd.core.plain_rows).
STAGE_KINDS = [TEXT if kind == JSONB else kind for kind in KINDS]
STAGE_DDL = (
    f"CREATE TEMP TABLE {STAGE} ("
    + ", ".join(
        f"{name} {kind}" for (name, _), kind in zip(EVENT_COLUMNS, STAGE_KINDS, strict=True)
    )
    + ") ON COMMIT DELETE ROWS"
)
STAGED_INSERT = (
    f"INSERT INTO events ({NAMES}) SELECT "  # noqa: S608
    + ", ".join(f"{name}::jsonb" if kind == JSONB else name for name, kind in EVENT_COLUMNS)
    + f" FROM {STAGE}{EVENT_KEY_CONFLICT}"
)


@dataclass(frozen=True)
class Setup:
    """The ids the import would have resolved: workspace, checkout touchpoint and its
    channel, and customer `c{k}`'s id at position k."""

    workspace_id: int
    touchpoint_id: int
    channel_id: int
    customers: list[int]


def set_up(database_url: str) -> Setup:
    """Migrate, then create the workspace, places and customers as the real import would
    (the customers seen first at their first event's moment)."""
    workspace_id, _token = prepare(database_url, "bench-floor")
    engine = create_db_engine(database_url)
    with transaction(create_session_factory(engine)) as session:
        touchpoint_id, channel_id = (
            session.connection()
            .exec_driver_sql("SELECT id, channel_id FROM touchpoints WHERE key = 'checkout'")
            .one()
        )
        references = [CustomerReference(external_id=f"c{k}").identities() for k in range(CUSTOMERS)]
        customers = resolve_customers(
            session,
            workspace_id=workspace_id,
            references=references,
            seen_at=[T0 + timedelta(seconds=k) for k in range(CUSTOMERS)],
        )
    engine.dispose()
    return Setup(workspace_id, touchpoint_id, channel_id, customers)


def event_batches(
    setup: Setup, n: int, size: int, moment: Callable[[datetime], Any]
) -> list[list[Row]]:
    """`ingest_events.event(number, "csv")` for each number, as the row nabd stores."""
    documents = [capped_json({"path": f"/p/{k}"}).decode() for k in range(97)]
    batches = []
    for start in range(0, n, size):
        received = moment(datetime.now(UTC))  # nabd stamps a batch once
        batch = []
        for number in range(start, min(start + size, n)):
            at_checkout = number % 5 == 0
            batch.append(
                (
                    setup.workspace_id,
                    f"csv-{number}",
                    setup.customers[number % CUSTOMERS],
                    "page_view" if number % 3 else "add_to_cart",
                    setup.touchpoint_id if at_checkout else None,
                    setup.channel_id if at_checkout else None,
                    moment(T0 + timedelta(seconds=number)),
                    received,
                    documents[number % 97],
                )
            )
        batches.append(batch)
    return batches


def seen_windows(batches: Sequence[Sequence[Row]]) -> list[tuple[Any, Any, Any]]:
    """(customer, earliest, latest) of the batches' events, by customer id (lock order)."""
    windows: dict[int, tuple[Any, Any]] = {}
    for batch in batches:
        for row in batch:
            customer, moment = row[2], row[6]
            first, last = windows.get(customer, (moment, moment))
            windows[customer] = (min(first, moment), max(last, moment))
    return [(customer, first, last) for customer, (first, last) in sorted(windows.items())]


@dataclass(frozen=True)
class Method:
    """One way of writing the rows."""

    label: str
    table: str = "events"
    commit_rows: int = 0  # rows a transaction; 0: one commit a batch
    seen: bool = False  # the seen UPDATE once per transaction
    staged: bool = False  # PostgreSQL: nabd's stage and INSERT … SELECT … ON CONFLICT
    streams: int = 1
    # PostgreSQL, off the clock on the run's copy: events' foreign keys dropped.
    without_fks: bool = False
    seen_layout: str = "day"  # or "indexed time", "day-skip" (PostgreSQL), see above


def methods(postgres: bool, batch: int) -> list[Method]:
    """The paths measured, in order; nabd's import commits every ROWS_PER_TRANSACTION rows."""
    import_rows = ROWS_PER_TRANSACTION
    found = [
        Method(f"anchor: plain table, commit/{batch:,}", table=PLAIN_TABLE),
        Method(f"floor: events, commit/{batch:,}"),
        Method(f"floor: events, commit/{import_rows:,}", commit_rows=import_rows),
        Method(f"floor: + seen UPDATE, commit/{import_rows:,}", commit_rows=import_rows, seen=True),
    ]
    if postgres:
        found += [
            Method(
                f"nabd's SQL: stage, ON CONFLICT, seen, commit/{import_rows:,}",
                commit_rows=import_rows,
                seen=True,
                staged=True,
            ),
            Method(f"floor: events, commit/{batch:,}, 2 COPY streams", streams=2),
        ]
    # The events API's transactions (`--batch 500`): on PostgreSQL one a request, its
    # customers' seen dates widened in it; on SQLite the lane's group commit joins requests
    # up to MAX_GROUP_WEIGHT events a transaction (each request widens its own customers:
    # once a transaction here, so this stays a floor).
    found.append(Method(f"floor: + seen UPDATE, commit/{batch:,}", seen=True))
    if postgres:
        found.append(Method(f"nabd's SQL: stage, seen, commit/{batch:,}", seen=True, staged=True))
        found += [
            Method(f"no FKs: events, commit/{batch:,}", without_fks=True),
            Method(f"no FKs: + seen UPDATE, commit/{batch:,}", seen=True, without_fks=True),
            Method(
                f"no FKs: nabd's SQL, seen, commit/{batch:,}",
                seen=True,
                staged=True,
                without_fks=True,
            ),
            Method(
                f"no FKs: nabd's SQL, seen, commit/{import_rows:,}",
                commit_rows=import_rows,
                seen=True,
                staged=True,
                without_fks=True,
            ),
        ]
    layouts = ["indexed time", "day-skip"] if postgres else ["indexed time"]
    found += [
        Method(f"{layout}: + seen UPDATE, commit/{batch:,}", seen=True, seen_layout=layout)
        for layout in layouts
    ]
    if postgres:
        found += [
            Method(
                f"{layout}: nabd's SQL, seen, commit/{batch:,}",
                seen=True,
                staged=True,
                seen_layout=layout,
            )
            for layout in layouts
        ]
    if not postgres and batch < MAX_GROUP_WEIGHT:
        found.append(
            Method(
                f"floor: + seen UPDATE, commit/{MAX_GROUP_WEIGHT:,}",
                commit_rows=MAX_GROUP_WEIGHT,
                seen=True,
            )
        )
    return found


def chosen(found: list[Method], only: list[str]) -> list[Method]:
    """The paths whose label contains one of `only`, or all of them."""
    return [m for m in found if not only or any(part in m.label for part in only)]


def transactions(batches: list[list[Row]], method: Method) -> list[list[list[Row]]]:
    """The batches grouped by transaction."""
    per = max(1, method.commit_rows // len(batches[0])) if method.commit_rows else 1
    return [batches[at : at + per] for at in range(0, len(batches), per)]


@dataclass
class Result:
    """One path's figures (CPU in seconds; `db_cpu` None when not a local PostgreSQL)."""

    rows: int
    seconds: float
    cpu: float
    db_cpu: float | None
    growth_mb: float
    hot_share: float | None = None  # PostgreSQL: the share of `customer_seen`'s updates HOT
    wal_bytes: float | None = None  # PostgreSQL: WAL the run wrote (the whole server's)


def sqlite_connect(path: Path) -> sqlite3.Connection:
    """nabd's pragmas (nabd.core.db) and the import's page cache, explicit transactions."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "synchronous=FULL",
        "foreign_keys=ON",
        f"busy_timeout={BUSY_TIMEOUT_MS}",
        f"cache_size=-{IMPORT_CACHE_KIB}",
    ):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def sqlite_run(template: Path, scratch: Path, method: Method, batches: list[list[Row]]) -> Result:
    target = scratch / "run.sqlite3"
    shutil.copyfile(template, target)
    connection = sqlite_connect(target)
    if method.table == PLAIN_TABLE:
        connection.execute(PLAIN_DDL)
    insert = SQLITE_INSERT.format(table=method.table)
    if method.table == "events":
        insert += EVENT_KEY_CONFLICT  # nabd's statement; SQLite checks the key either way
    seen_sql = SQLITE_SEEN
    if method.seen_layout == "indexed time":
        seen_sql = SQLITE_INDEXED_TIME_SEEN
        for statement in INDEXED_TIME_SQLITE:
            connection.execute(statement)
    grouped = transactions(batches, method)
    windows = [seen_windows(group) if method.seen else [] for group in grouped]
    size = target.stat().st_size
    cpu, began = time.process_time(), time.perf_counter()
    for group, seen in zip(grouped, windows, strict=True):
        connection.execute("BEGIN IMMEDIATE")
        for batch in group:
            connection.executemany(insert, batch)
        if seen:
            connection.executemany(seen_sql, seen)
        connection.execute("COMMIT")
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    connection.close()  # checkpoints the WAL into the file
    growth = (target.stat().st_size - size) / 2**20
    target.unlink()
    return Result(sum(map(len, batches)), seconds, cpu, None, growth)


def postgres_dsn(url: URL, database: str) -> str:
    return url.set(drivername="postgresql", database=database).render_as_string(hide_password=False)


def postgres_admin(url: URL, *statements: str) -> None:
    """Statements run outside a transaction, from the server's `postgres` database."""
    with psycopg.connect(postgres_dsn(url, "postgres"), autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


def postgres_connect(dsn: str) -> psycopg.Connection[Any]:
    """A connection whose binary COPY sends a JSON text as the jsonb it already is (psycopg
    would otherwise serialise the str again, as a JSON string)."""
    connection = psycopg.connect(dsn, prepare_threshold=None)
    set_json_dumps(str, context=connection)
    return connection


def postgres_write(
    connection: psycopg.Connection[Any],
    method: Method,
    grouped: list[list[list[Row]]],
    windows: list[list[tuple[Any, Any, Any]]],
) -> None:
    target = STAGE if method.staged else method.table
    kinds = STAGE_KINDS if method.staged else KINDS
    seen_sql = {
        "day": POSTGRES_SEEN,
        "indexed time": POSTGRES_INDEXED_TIME_SEEN,
        "day-skip": POSTGRES_DAY_SKIP_SEEN,
    }[method.seen_layout]
    copy_sql = f"COPY {target} ({NAMES}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor:
        for group, seen in zip(grouped, windows, strict=True):
            for batch in group:
                if method.staged:
                    cursor.execute(f"DELETE FROM {STAGE}")  # noqa: S608 - as nabd does
                with cursor.copy(copy_sql) as copy:
                    copy.set_types(kinds)
                    for row in batch:
                        copy.write_row(row)
                if method.staged:
                    cursor.execute(STAGED_INSERT)
            if seen:
                with cursor.copy(f"COPY {WINDOWS} FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(["bigint", "timestamptz", "timestamptz"])
                    for window in seen:
                        copy.write_row(window)
                cursor.execute(seen_sql)
            connection.commit()


def postgres_run(url: URL, method: Method, batches: list[list[Row]]) -> Result:
    base, run = str(url.database), f"{url.database}_run"
    postgres_admin(url, f"DROP DATABASE IF EXISTS {run}", f"CREATE DATABASE {run} TEMPLATE {base}")
    dsn = postgres_dsn(url, run)
    connections = [postgres_connect(dsn) for _ in range(method.streams)]
    try:
        for connection in connections:
            connection.execute(STAGE_DDL)  # temporary tables of the session, off the clock
            connection.execute(WINDOWS_DDL)
            connection.commit()
        first = connections[0]
        if method.table == PLAIN_TABLE:
            first.execute(PLAIN_DDL)
        if method.without_fks:
            first.execute(DROP_EVENT_FKS)
        first.commit()
        if method.seen_layout == "indexed time":
            first.autocommit = True  # VACUUM FULL: outside a transaction
            for statement in INDEXED_TIME_POSTGRES:
                first.execute(statement)
            first.autocommit = False
        size = first.execute("SELECT pg_database_size(current_database())").fetchone()
        first.execute("CHECKPOINT")  # the copy's and the last run's pages written off the clock
        first.commit()
        # Stream k writes batches k, k + streams, …
        work = [transactions(batches[k :: method.streams], method) for k in range(method.streams)]
        windows = [[seen_windows(group) if method.seen else [] for group in g] for g in work]
        database_cpu = DatabaseCpu(url.set(database=run).render_as_string(hide_password=False))
        wal_before = first.execute("SELECT pg_current_wal_insert_lsn()").fetchone()
        first.commit()
        cpu, began = time.process_time(), time.perf_counter()
        threads = [
            threading.Thread(target=postgres_write, args=(c, method, g, w))
            for c, g, w in zip(connections, work, windows, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        db_cpu = database_cpu.used()
        wal = first.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)", wal_before
        ).fetchone()
        stored = first.execute(f"SELECT count(*) FROM {method.table}").fetchone()  # noqa: S608
        after = first.execute("SELECT pg_database_size(current_database())").fetchone()
    finally:
        for connection in connections:
            connection.close()
    hot_share = postgres_hot_share(dsn)
    postgres_admin(url, f"DROP DATABASE {run}")
    rows = sum(map(len, batches))
    if stored is None or stored[0] != rows or size is None or after is None:
        raise SystemExit(f"{method.label}: {stored} rows stored of {rows}")
    growth = (after[0] - size[0]) / 2**20
    return Result(rows, seconds, cpu, db_cpu, growth, hot_share, float(wal[0]) if wal else None)


def postgres_hot_share(dsn: str) -> float | None:
    """The share of `customer_seen`'s row updates that were HOT (no index entry written),
    once the closed writers' statistics have reached the server."""
    time.sleep(1)  # a backend reports its counts as it exits
    with psycopg.connect(dsn) as connection:
        found = connection.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE relname = 'customer_seen'"
        ).fetchone()
    return found[1] / found[0] if found and found[0] else None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="events to load")
    parser.add_argument("--batch", type=int, default=5000, help="rows a batch (COPY/executemany)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="PostgreSQL database to DROP, create and use (default: SQLite in a temp dir)",
    )
    parser.add_argument(
        "--only", action="append", default=[], help="run the paths whose label contains this"
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        if args.database_url:
            url = make_url(args.database_url)
            postgres_admin(
                url, f"DROP DATABASE IF EXISTS {url.database}", f"CREATE DATABASE {url.database}"
            )
            setup = set_up(args.database_url)
            batches = event_batches(setup, args.n, args.batch, lambda moment: moment)
            try:
                for method in chosen(methods(True, args.batch), args.only):
                    results.append((method, postgres_run(url, method, batches)))
            finally:
                postgres_admin(url, f"DROP DATABASE IF EXISTS {url.database}_run")
                postgres_admin(url, f"DROP DATABASE IF EXISTS {url.database}")
            engine_name = "postgresql"
        else:
            template = Path(scratch) / "template.sqlite3"
            setup = set_up(f"sqlite:///{template}")  # its engine disposed: no WAL left
            batches = event_batches(setup, args.n, args.batch, sqlite_moment)
            for method in chosen(methods(False, args.batch), args.only):
                results.append((method, sqlite_run(template, Path(scratch), method, batches)))
            engine_name = "sqlite"
    load_after = os.getloadavg()
    print(f"\nengine: {engine_name}; {args.n:,} events in batches of {args.batch:,}")
    print(
        f"{'path':<52} {'rows/s':>9} {'seconds':>8} {'µs CPU/row':>11} {'backends':>9} "
        f"{'growth MB':>10} {'HOT':>5} {'WAL B/row':>10}"
    )
    for method, result in results:
        per_row = 1e6 / result.rows
        backends = "" if result.db_cpu is None else f"{result.db_cpu * per_row:.2f}"
        hot = "" if result.hot_share is None else f"{result.hot_share:.0%}"
        wal = "" if result.wal_bytes is None else f"{result.wal_bytes / result.rows:,.0f}"
        print(
            f"{method.label:<52} {result.rows / result.seconds:>9,.0f} {result.seconds:>8.2f} "
            f"{result.cpu * per_row:>11.2f} {backends:>9} {result.growth_mb:>10.0f} {hot:>5} "
            f"{wal:>10}"
        )
    print(
        f"load average before: {load_before[0]:.2f}, after: {load_after[0]:.2f} "
        f"(1 min; {load_after[1]:.2f} over 5 min; 2 cores)"
    )


if __name__ == "__main__":
    main()
