"""Reading a workspace's snapshot with DuckDB or polars; pure functions returning polars frames.

Nothing here touches the application database: the same functions run against a copy of the
Parquet folder anywhere. Times are UTC; ranges include `start` and exclude `end`.
Each example query has a DuckDB and a polars implementation giving the same frame, so a
caller picks the engine that suits the slice (see bench/analytics_snapshot.py).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

from nabd.analytics.layout import DIMENSION_FILE, month_dirs, workspace_dir
from nabd.analytics.tables import TABLES_BY_NAME, SnapshotTable
from nabd.config import Settings

Engine = Literal["duckdb", "polars"]
MONTH = "month"


class InvalidAttributeKey(ValueError):
    pass


@dataclass(frozen=True)
class Snapshot:
    """One workspace's snapshot folder."""

    folder: Path

    @classmethod
    def of(cls, settings: Settings, workspace_id: int) -> "Snapshot":
        return cls(workspace_dir(settings.resolved_analytics_dir, workspace_id))

    def _has_files(self, table: SnapshotTable) -> bool:
        table_dir = self.folder / table.name
        if table.is_fact:
            return any(any(folder.glob("part-*.parquet")) for folder in month_dirs(table_dir))
        return (table_dir / DIMENSION_FILE).exists()

    def _pattern(self, table: SnapshotTable) -> str:
        table_dir = self.folder / table.name
        return str(
            table_dir / "month=*" / "part-*.parquet"
            if table.is_fact
            else table_dir / DIMENSION_FILE
        )

    def _empty(self, table: SnapshotTable) -> pl.DataFrame:
        frame = pl.from_arrow(table.schema.empty_table())
        assert isinstance(frame, pl.DataFrame)
        return frame.with_columns(pl.lit(None, pl.String).alias(MONTH)) if table.is_fact else frame

    def scan(self, name: str) -> pl.LazyFrame:
        """A polars lazy frame over the table; facts carry their `month` partition (YYYY-MM)."""
        table = TABLES_BY_NAME[name]
        if not self._has_files(table):
            return self._empty(table).lazy()
        if not table.is_fact:
            return pl.scan_parquet(self._pattern(table))
        return pl.scan_parquet(
            self._pattern(table), hive_partitioning=True, hive_schema={MONTH: pl.String}
        )

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with a view per snapshot table, in UTC."""
        connection = duckdb.connect()
        connection.execute("SET TimeZone = 'UTC'")
        for name, table in TABLES_BY_NAME.items():
            if not self._has_files(table):
                connection.register(name, self._empty(table).to_arrow())
                continue
            pattern = self._pattern(table).replace("'", "''")
            options = ", hive_partitioning = true, hive_types = {'month': VARCHAR}"
            source = f"read_parquet('{pattern}'{options if table.is_fact else ''})"
            # Only our own table names and an escaped path are interpolated.
            connection.execute(f"CREATE VIEW {name} AS SELECT * FROM {source}")  # noqa: S608
        return connection


def _duckdb_frame(snapshot: Snapshot, query: str, parameters: list[object]) -> pl.DataFrame:
    with snapshot.duckdb() as connection:
        frame = pl.from_arrow(connection.sql(query, params=parameters).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame


def _months(start: datetime, end: datetime) -> tuple[str, str]:
    """The partitions a [start, end) range can touch, so whole folders are skipped."""
    return f"{start:%Y-%m}", f"{end:%Y-%m}"


def events_by_day(
    snapshot: Snapshot,
    *,
    start: datetime,
    end: datetime,
    group_by: Sequence[str] = ("type", "channel_id"),
    engine: Engine = "duckdb",
) -> pl.DataFrame:
    """Event counts per UTC day and the given event columns."""
    first_month, last_month = _months(start, end)
    keys = list(group_by)
    unknown = set(keys) - set(TABLES_BY_NAME["events"].schema.names)
    if unknown:
        raise ValueError(f"events have no column {sorted(unknown)}")
    if engine == "polars":
        frame = (
            snapshot.scan("events")
            .filter(pl.col(MONTH).is_between(pl.lit(first_month), pl.lit(last_month)))
            .filter((pl.col("occurred_at") >= start) & (pl.col("occurred_at") < end))
            .group_by(pl.col("occurred_at").dt.date().alias("day"), *keys)
            .agg(pl.len().cast(pl.Int64).alias("event_count"))
            .collect()
        )
    else:
        columns = "".join(f', "{key}"' for key in keys)
        frame = _duckdb_frame(
            snapshot,
            # `keys` were checked against the events' columns above.
            f"SELECT CAST(occurred_at AS DATE) AS day{columns}, count(*) AS event_count "  # noqa: S608
            "FROM events WHERE month BETWEEN ? AND ? AND occurred_at >= ? AND occurred_at < ? "
            "GROUP BY ALL",
            [first_month, last_month, start, end],
        )
    return frame.sort(["day", *keys], nulls_last=True)


def events_by_channel_month(
    snapshot: Snapshot, *, start: datetime, end: datetime, engine: Engine = "duckdb"
) -> pl.DataFrame:
    """Event counts per month partition and channel, for a time range."""
    first_month, last_month = _months(start, end)
    if engine == "polars":
        frame = (
            snapshot.scan("events")
            .filter(pl.col(MONTH).is_between(pl.lit(first_month), pl.lit(last_month)))
            .filter((pl.col("occurred_at") >= start) & (pl.col("occurred_at") < end))
            .group_by(MONTH, "channel_id")
            .agg(pl.len().cast(pl.Int64).alias("event_count"))
            .collect()
        )
    else:
        frame = _duckdb_frame(
            snapshot,
            "SELECT month, channel_id, count(*) AS event_count FROM events "
            "WHERE month BETWEEN ? AND ? AND occurred_at >= ? AND occurred_at < ? "
            "GROUP BY ALL",
            [first_month, last_month, start, end],
        )
    return frame.sort([MONTH, "channel_id"], nulls_last=True)


def _check_key(key: str) -> str:
    if not key or any(character in key for character in '"\\'):
        raise InvalidAttributeKey(f"unusable attribute key: {key!r}")
    return key


def customer_attribute_slice(
    snapshot: Snapshot,
    *,
    key: str,
    start: datetime,
    end: datetime,
    engine: Engine = "duckdb",
) -> pl.DataFrame:
    """Per value of one customer attribute: how many customers, and their events in the range.

    Values are compared as JSON text (`true`, `42`, `Riyadh`); customers without the
    attribute form the null group.
    """
    _check_key(key)
    first_month, last_month = _months(start, end)
    if engine == "polars":
        customers = snapshot.scan("customers").select(
            "id", pl.col("attributes").str.json_path_match(f'$["{key}"]').alias("value")
        )
        events = (
            snapshot.scan("events")
            .filter(pl.col(MONTH).is_between(pl.lit(first_month), pl.lit(last_month)))
            .filter((pl.col("occurred_at") >= start) & (pl.col("occurred_at") < end))
            .filter(pl.col("customer_id").is_not_null())
            .group_by("customer_id")
            .agg(pl.len().cast(pl.Int64).alias("events"))
        )
        frame = (
            customers.join(events, left_on="id", right_on="customer_id", how="left")
            .group_by("value")
            .agg(
                pl.len().cast(pl.Int64).alias("customer_count"),
                pl.col("events").fill_null(0).sum().cast(pl.Int64).alias("event_count"),
            )
            .collect()
        )
    else:
        frame = _duckdb_frame(
            snapshot,
            "WITH c AS (SELECT id, attributes ->> ? AS value FROM customers), "
            "e AS (SELECT customer_id, count(*) AS events FROM events "
            "WHERE month BETWEEN ? AND ? AND occurred_at >= ? AND occurred_at < ? "
            "AND customer_id IS NOT NULL GROUP BY customer_id) "
            "SELECT c.value, count(*) AS customer_count, "
            "CAST(coalesce(sum(e.events), 0) AS BIGINT) AS event_count "
            "FROM c LEFT JOIN e ON e.customer_id = c.id GROUP BY c.value",
            [f'$."{key}"', first_month, last_month, start, end],
        )
    return frame.sort("value", nulls_last=True)
