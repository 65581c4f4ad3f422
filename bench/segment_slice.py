"""Segments at scale: a survey metric for a segment from the snapshot, and membership refresh.

    python bench/segment_slice.py [--answers 10000000] [--customers 1000000]
        [--db-customers 1000000] [--database-url postgresql+psycopg://…] [--skip-snapshot]

Part 1 writes `--answers` scored NPS answers (24 months, 8 channels, 5 surveys, customers
drawn uniformly from `--customers`) and three segments' memberships (10 %, 30 % and 60 % of
the customers) straight to the snapshot layout, then times what `GET /api/v1/metrics/nps`
does for a segment slice: `analytics.score_slices.score_sums` (DuckDB) and the estimate, cold
and the median of three warm runs. Part 2 inserts `--db-customers` customers into a real
database (a scratch SQLite file unless `--database-url` names an empty, migrated one) and
times `segments.service.refresh_segment` for a few definitions: the first refresh (one
INSERT … SELECT of every member) and a refresh when nothing changed (two anti-joins, no
writes).
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq
from sqlalchemy import insert, text

from nabd.analytics.layout import DIMENSION_FILE, part_name
from nabd.analytics.query import Snapshot
from nabd.analytics.score_slices import ScoreSlice, score_sums
from nabd.analytics.tables import TABLES_BY_NAME
from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.migrations import upgrade_database
from nabd.customers.models import Customer
from nabd.metrics.segment_metrics import THRESHOLDS
from nabd.metrics.shapes import MetricName
from nabd.metrics.survey_metrics import Sums, estimate
from nabd.segments import service as segments
from nabd.segments.models import Segment
from nabd.workspaces import service as workspaces
from nabd.workspaces.schemas import WorkspaceCreate

FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC)
SHARES = {1: 0.1, 2: 0.3, 3: 0.6}  # segment id -> share of customers
CITIES = ["Riyadh", "Jeddah", "Dammam", "Makkah", "Madinah", "Abha", "Tabuk", "Hail"]


def generate(folder: Path, *, answers: int, customers: int, seed: int = 7) -> None:
    random = np.random.default_rng(seed)
    span_us = int(timedelta(days=730).total_seconds() * 1_000_000)
    start_us = int(FIRST_DAY.timestamp() * 1_000_000)
    submitted = np.sort(random.integers(0, span_us, answers)) + start_us
    frame = pl.DataFrame(
        {
            "id": np.arange(1, answers + 1, dtype=np.int64),
            "customer_id": random.integers(1, customers + 1, answers),
            "survey_id": random.integers(1, 6, answers),
            "kind": pl.Series(["nps"] * answers),
            "score": random.integers(0, 11, answers),
            "channel_id": random.integers(1, 9, answers),
            "touchpoint_id": random.integers(1, 21, answers),
            "language": pl.Series(np.array(["ar", "en"])[random.integers(0, 2, answers)]),
            "submitted_at": pl.Series(submitted).cast(pl.Datetime("us", "UTC")),
        }
    ).with_columns(
        pl.col("submitted_at").alias("received_at"),
        pl.col("submitted_at").dt.strftime("%Y-%m").alias("month"),
    )
    schema = TABLES_BY_NAME["survey_scores"].schema
    for (month,), part in frame.group_by("month", maintain_order=True):
        target = folder / "survey_scores" / f"month={month}"
        target.mkdir(parents=True)
        ids = part["id"]
        name = part_name(ids.min(), ids.max())  # type: ignore[arg-type]
        pq.write_table(
            part.drop("month").to_arrow().cast(schema), target / name, compression="zstd"
        )
    members = pl.concat(
        pl.DataFrame(
            {
                "segment_id": np.full(int(customers * share), segment_id, dtype=np.int64),
                "customer_id": np.sort(
                    random.choice(customers, int(customers * share), replace=False) + 1
                ).astype(np.int64),
            }
        )
        for segment_id, share in SHARES.items()
    )
    (folder / "segment_memberships").mkdir(parents=True)
    pq.write_table(
        members.to_arrow().cast(TABLES_BY_NAME["segment_memberships"].schema),
        folder / "segment_memberships" / DIMENSION_FILE,
    )


def timed(run: Callable[[], Any]) -> tuple[float, float, Any]:
    started = time.perf_counter()
    result = run()
    cold = time.perf_counter() - started
    warm = []
    for _ in range(3):
        started = time.perf_counter()
        run()
        warm.append(time.perf_counter() - started)
    return cold, statistics.median(warm), result


def nps_of(snapshot: Snapshot, slice_: ScoreSlice, group_by: Any = None) -> int:
    """What the engine does: summed columns per group, then the NPS estimate of each."""
    frame = score_sums(snapshot, slice_=slice_, thresholds=THRESHOLDS, group_by=group_by)
    for _key, *values in frame.iter_rows():
        estimate(MetricName.NPS, Sums(*(int(value) for value in values)))
    return frame.height


def slice_table(folder: Path) -> None:
    snapshot = Snapshot(folder)
    year = dict(start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC))
    whole = dict(start=FIRST_DAY, end=datetime(2026, 1, 1, tzinfo=UTC))
    cases: dict[str, tuple[ScoreSlice, Any]] = {
        "NPS of the 10 % segment, 12 months": (ScoreSlice("nps", segment_ids=[1], **year), None),
        "NPS of the 60 % segment, 24 months": (
            ScoreSlice("nps", segment_ids=[3], **whole),
            None,
        ),
        "NPS of the 30 % segment by day, 12 months": (
            ScoreSlice("nps", segment_ids=[2], **year),
            "day",
        ),
        "NPS by segment (3 segments), 12 months": (ScoreSlice("nps", **year), "segment"),
        "NPS of the 10 % segment, channel 3, by touchpoint, 12 months": (
            ScoreSlice("nps", segment_ids=[1], channel_id=3, **year),
            "touchpoint",
        ),
        "NPS without segment (whole snapshot), 12 months": (ScoreSlice("nps", **year), None),
    }
    print("| slice | groups | cold s | warm s (median of 3) |")
    print("|---|---:|---:|---:|")
    for label, (slice_, group_by) in cases.items():
        cold, warm, groups = timed(lambda s=slice_, g=group_by: nps_of(snapshot, s, g))
        print(f"| {label} | {groups:,} | {cold:.3f} | {warm:.3f} |")


DEFINITIONS: dict[str, dict[str, Any]] = {
    "city equals Riyadh (JSON attribute)": {
        "conditions": [
            {"field": "attribute", "key": "city", "operator": "equals", "value": "Riyadh"}
        ]
    },
    "spent ≥ 500 and bought in the last 90 days": {
        "conditions": [
            {"field": "total_spend", "operator": "gte", "value": 500},
            {"field": "last_purchase", "operator": "within_days", "value": 90},
        ]
    },
    "language ar or any plan gold (any)": {
        "match": "any",
        "conditions": [
            {"field": "language", "operator": "equals", "value": "ar"},
            {"field": "attribute", "key": "plan", "operator": "equals", "value": "gold"},
        ],
    },
}


def database_table(url: str, customers: int, seed: int = 7) -> None:
    engine = create_db_engine(url)
    session = create_session_factory(engine)()
    random = np.random.default_rng(seed)
    workspace = workspaces.create_workspace(
        session,
        data=WorkspaceCreate(slug=f"bench{int(time.time())}", name="bench", default_language="ar"),  # type: ignore[arg-type]
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    now = datetime.now(UTC)
    started = time.perf_counter()
    batch = 50_000
    for offset in range(0, customers, batch):
        count = min(batch, customers - offset)
        spend = random.integers(0, 200_000, count)
        days = random.integers(0, 720, count)
        rows = [
            {
                "workspace_id": workspace.id,
                "language": "ar" if index % 4 else "en",
                "attributes": {
                    "city": CITIES[(offset + index) % len(CITIES)],
                    "plan": ("gold", "basic", "basic")[index % 3],
                },
                "sort_name": "",
                "total_spend": Decimal(int(spend[index])) / 100,
                "order_count": int(spend[index] % 7),
                "last_purchase_at": now - timedelta(days=int(days[index])),
                "created_at": now,
            }
            for index in range(count)
        ]
        session.execute(insert(Customer), rows)
        session.commit()
    # Every customer has its seen row (never seen here), as nabd creates them.
    session.execute(
        text(
            "INSERT INTO customer_seen (customer_id, workspace_id) "
            "SELECT id, workspace_id FROM customers WHERE workspace_id = :workspace"
        ),
        {"workspace": workspace.id},
    )
    session.commit()
    took = time.perf_counter() - started
    print(f"\n{customers:,} customers inserted in {took:.1f} s ({engine.dialect.name})\n")
    print("| definition | members | first refresh s | again, unchanged s (median of 3) |")
    print("|---|---:|---:|---:|")
    for label, definition in DEFINITIONS.items():
        segment = Segment(
            workspace_id=workspace.id,
            name_ar=label,
            name_en=label,
            description="",
            definition=segments.checked_definition(
                session, workspace_id=workspace.id, document=definition
            ).as_document(),
        )
        session.add(segment)
        session.flush()
        started = time.perf_counter()
        size = segments.refresh_segment(session, segment=segment)
        session.commit()
        first = time.perf_counter() - started
        again = []
        for _ in range(3):
            started = time.perf_counter()
            segments.refresh_segment(session, segment=segment)
            session.commit()
            again.append(time.perf_counter() - started)
        print(f"| {label} | {size:,} | {first:.2f} | {statistics.median(again):.2f} |")
    session.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--db-customers", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-snapshot", action="store_true")
    parser.add_argument("--skip-database", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        if not arguments.skip_snapshot:
            folder = Path(scratch) / "snapshot"
            started = time.perf_counter()
            generate(folder, answers=arguments.answers, customers=arguments.customers)
            print(
                f"{arguments.answers:,} answers, {arguments.customers:,} customers, "
                f"segments of {', '.join(f'{s:.0%}' for s in SHARES.values())}: "
                f"generated in {time.perf_counter() - started:.1f} s\n"
            )
            slice_table(folder)
        if not arguments.skip_database:
            url = arguments.database_url
            if url is None:
                url = f"sqlite:///{Path(scratch) / 'bench.sqlite3'}"
                upgrade_database(url)
            database_table(url, arguments.db_customers)


if __name__ == "__main__":
    main()
