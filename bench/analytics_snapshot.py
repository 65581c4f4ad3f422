"""Analytics snapshot: ad-hoc slices over N events with DuckDB and polars, and export throughput.

    python bench/analytics_snapshot.py [--n 10000000] [--customers 1000000] [--db-rows 200000]
        [--database-url postgresql+psycopg://…]

Part 1 writes N events (24 months, 8 channels, 12 types) and the customers straight to the
snapshot layout with numpy/polars, then times each query helper on both engines: the first
(cold) run and the median of three warm runs. Part 2 loads `--db-rows` events into a real
database (a scratch SQLite file unless `--database-url` names an empty, migrated one) and
times a full refresh through the database and an incremental one after 1 % more rows.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from nabd.analytics.layout import part_name
from nabd.analytics.query import (
    Snapshot,
    customer_attribute_slice,
    events_by_channel_month,
    events_by_day,
)
from nabd.analytics.tables import TABLES_BY_NAME

FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
MONTHS = 24
CITIES = ["Riyadh", "Jeddah", "الدمام", "Mecca", "Medina", "Abha", "Tabuk", "Hail"]
TYPES = [f"type_{index}" for index in range(12)]


def generate(folder: Path, *, events: int, customers: int, seed: int = 7) -> None:
    random = np.random.default_rng(seed)
    people = pl.DataFrame(
        {
            "id": np.arange(1, customers + 1, dtype=np.int64),
            "attributes": pl.Series(
                [
                    f'{{"city": "{CITIES[i % len(CITIES)]}", "tier": {i % 3}}}'
                    for i in range(customers)
                ]
            ),
        }
    )
    schema = TABLES_BY_NAME["customers"].schema
    table = people.to_arrow()
    for field in schema:
        if field.name not in table.column_names:
            table = table.append_column(
                field.name, __import__("pyarrow").nulls(customers, field.type)
            )
    (folder / "customers").mkdir(parents=True)
    pq.write_table(table.select(schema.names).cast(schema), folder / "customers" / "data.parquet")

    span_us = int(timedelta(days=730).total_seconds() * 1_000_000)
    start_us = int(FIRST_DAY.timestamp() * 1_000_000)
    occurred = np.sort(random.integers(0, span_us, events)) + start_us
    frame = pl.DataFrame(
        {
            "id": np.arange(1, events + 1, dtype=np.int64),
            "customer_id": random.integers(1, customers + 1, events),
            "type": pl.Series(np.array(TYPES)[random.integers(0, len(TYPES), events)]),
            "channel_id": random.integers(1, 9, events),
            "touchpoint_id": pl.Series([None] * events, dtype=pl.Int64),
            "occurred_at": pl.Series(occurred).cast(pl.Datetime("us", "UTC")),
        }
    ).with_columns(
        pl.col("occurred_at").alias("received_at"),
        pl.lit("{}").alias("properties"),
        pl.col("occurred_at").dt.strftime("%Y-%m").alias("month"),
    )
    events_schema = TABLES_BY_NAME["events"].schema
    for (month,), part in frame.group_by("month", maintain_order=True):
        target = folder / "events" / f"month={month}"
        target.mkdir(parents=True)
        ids = part["id"]
        name = part_name(ids.min(), ids.max())  # type: ignore[arg-type]
        table = part.drop("month").to_arrow().cast(events_schema)
        pq.write_table(table, target / name, compression="zstd")


def timed(run: Callable[[], pl.DataFrame]) -> tuple[float, float, int]:
    started = time.perf_counter()
    rows = run().height
    cold = time.perf_counter() - started
    warm = []
    for _ in range(3):
        started = time.perf_counter()
        run()
        warm.append(time.perf_counter() - started)
    return cold, statistics.median(warm), rows


def slice_table(folder: Path, events: int) -> None:
    snapshot = Snapshot(folder)
    six_months = (datetime(2024, 7, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
    whole = (FIRST_DAY, datetime(2026, 1, 1, tzinfo=UTC))
    one_month = (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))
    slices = {
        "events per channel per month, 6 months": lambda e: events_by_channel_month(
            snapshot, start=six_months[0], end=six_months[1], engine=e
        ),
        "events per channel per month, 24 months": lambda e: events_by_channel_month(
            snapshot, start=whole[0], end=whole[1], engine=e
        ),
        "events per day x type x channel, 1 month": lambda e: events_by_day(
            snapshot, start=one_month[0], end=one_month[1], engine=e
        ),
        "customers and events by city, 6 months": lambda e: customer_attribute_slice(
            snapshot, key="city", start=six_months[0], end=six_months[1], engine=e
        ),
    }
    print(f"\n{events:,} events; cold = first run, warm = median of 3\n")
    print("| slice | engine | result rows | cold s | warm s |\n|---|---|---:|---:|---:|")
    for label, run in slices.items():
        for engine in ("duckdb", "polars"):
            cold, warm, rows = timed(lambda run=run, engine=engine: run(engine))
            print(f"| {label} | {engine} | {rows} | {cold:.3f} | {warm:.3f} |")


def export_table(rows: int, database_url: str | None, scratch: Path) -> None:
    from sqlalchemy.orm import Session

    from nabd.analytics.snapshot import refresh_snapshot
    from nabd.core.audit import SYSTEM_ACTOR
    from nabd.core.db import create_db_engine
    from nabd.core.migrations import upgrade_database
    from nabd.events.service import add_events
    from nabd.workspaces.schemas import WorkspaceCreate
    from nabd.workspaces.service import create_workspace

    url = database_url or f"sqlite:///{scratch / 'bench.sqlite3'}"
    upgrade_database(url)
    engine = create_db_engine(url)
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)

    def load(session: Session, workspace_id: int, count: int, offset: int) -> None:
        for start in range(0, count, 50_000):
            batch = [
                {
                    "type": TYPES[i % 12],
                    "channel_id": None,
                    "occurred_at": FIRST_DAY + timedelta(minutes=(offset + i) * 5),
                    "received_at": long_ago,
                    "properties": {"n": i},
                }
                for i in range(start, min(start + 50_000, count))
            ]
            add_events(session, workspace_id=workspace_id, rows=batch)
        session.commit()

    with Session(engine) as session:
        workspace = create_workspace(
            session,
            data=WorkspaceCreate(slug=f"bench{int(time.time())}", name="bench"),  # type: ignore[call-arg]
            actor=SYSTEM_ACTOR,
        )
        session.commit()
        load(session, workspace.id, rows, 0)
        root = scratch / "snapshot"
        print(f"\nexport through the database ({engine.dialect.name})\n")
        print("| refresh | events written | s | rows/s |\n|---|---:|---:|---:|")
        for label, extra in (("full", 0), ("incremental (+1 %)", rows // 100)):
            if extra:
                load(session, workspace.id, extra, rows)
            started = time.perf_counter()
            report = refresh_snapshot(session, root=root, workspace_id=workspace.id)
            session.commit()
            seconds = time.perf_counter() - started
            written = report.rows_written["events"]
            print(f"| {label} | {written:,} | {seconds:.2f} | {written / seconds:,.0f} |")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="events to generate")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db-rows", type=int, default=200_000, help="events exported via the DB")
    parser.add_argument("--database-url", help="an empty, migratable database (default SQLite)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "1"
        started = time.perf_counter()
        generate(folder, events=arguments.n, customers=arguments.customers)
        size = sum(path.stat().st_size for path in folder.rglob("*.parquet"))
        print(
            f"generated {arguments.n:,} events and {arguments.customers:,} customers "
            f"({size / 2**20:.0f} MiB of Parquet) in {time.perf_counter() - started:.1f} s"
        )
        slice_table(folder, arguments.n)
        if arguments.db_rows:
            export_table(arguments.db_rows, arguments.database_url, Path(scratch))


if __name__ == "__main__":
    main()
