"""Survey-score counts over slices the rollups cannot answer (by segment, customer attribute
or text topic), from the snapshot.

Pure: reads a workspace's Parquet snapshot with DuckDB and returns the same summed columns
as the rollup table (`answer_count`, `promoters` … `score_sum_squares`), per group, so the
metrics engine applies the very same maths to them. A segment is its membership as of the
snapshot; a customer in two segments counts in both groups, and an answer whose response's
texts carry two topics counts in both topics.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import polars as pl

from nabd.analytics.query import Snapshot, _duckdb_frame, _months

ScoreGroup = Literal[
    "day",
    "channel",
    "touchpoint",
    "touchpoint_month",
    "survey",
    "language",
    "segment",
    "attribute",
    "topic",
]
SUM_COLUMNS = (
    "answer_count",
    "promoters",
    "passives",
    "detractors",
    "top_box",
    "agree",
    "score_sum",
    "score_sum_squares",
)
_KEYS: dict[str, str] = {
    "day": "CAST(s.submitted_at AS DATE)",
    "channel": "s.channel_id",
    "touchpoint": "s.touchpoint_id",
    # "<touchpoint id> <YYYY-MM>" (no id: " <YYYY-MM>"): the heat map's two keys in one.
    "touchpoint_month": (
        "coalesce(CAST(s.touchpoint_id AS VARCHAR), '') || ' ' || "
        "strftime(CAST(s.submitted_at AS DATE), '%Y-%m')"
    ),
    "survey": "s.survey_id",
    "language": "s.language",
    "segment": "m.segment_id",
    # The value of one attribute of the customer who answered (its JSON path a parameter).
    "attribute": "json_extract_string(c.attributes, ?)",
    "topic": "s.topic",
}


@dataclass(frozen=True)
class Thresholds:
    """Where a score counts as promoter, detractor, satisfied or agreeing (estimates.py)."""

    promoter_min: int
    detractor_max: int
    satisfied_min: int
    agree_min: int


@dataclass(frozen=True)
class ScoreSlice:
    """Which answers: one question kind, [start, end), optional filters by id."""

    kind: str
    start: datetime
    end: datetime
    channel_id: int | None = None
    touchpoint_id: int | None = None
    # None: any touchpoint. A list: only answers at these (a journey's or a stage's).
    touchpoint_ids: Sequence[int] | None = None
    survey_id: int | None = None
    language: str | None = None
    # None: every answer. A list: only answers of customers in one of these segments.
    segment_ids: Sequence[int] | None = None


def _counts(kind: str, thresholds: Thresholds) -> tuple[str, list[object]]:
    """The SUM columns for one question kind, as the rollup's `answer_counts` defines them."""

    def when(condition: str) -> str:
        return f"CAST(sum(CASE WHEN {condition} THEN 1 ELSE 0 END) AS BIGINT)"

    zero = "CAST(0 AS BIGINT)"
    nps, csat, ces = kind == "nps", kind == "csat", kind == "ces"
    columns = [
        "count(*) AS answer_count",
        f"{when('s.score >= ?') if nps else zero} AS promoters",
        f"{when('s.score > ? AND s.score < ?') if nps else zero} AS passives",
        f"{when('s.score <= ?') if nps else zero} AS detractors",
        f"{when('s.score >= ?') if csat else zero} AS top_box",
        f"{when('s.score >= ?') if ces else zero} AS agree",
        "CAST(sum(s.score) AS BIGINT) AS score_sum",
        "CAST(sum(s.score * s.score) AS BIGINT) AS score_sum_squares",
    ]
    parameters: list[object] = []
    if nps:
        parameters += [
            thresholds.promoter_min,
            thresholds.detractor_max,
            thresholds.promoter_min,
            thresholds.detractor_max,
        ]
    if csat:
        parameters.append(thresholds.satisfied_min)
    if ces:
        parameters.append(thresholds.agree_min)
    return ", ".join(columns), parameters


def score_sums(
    snapshot: Snapshot,
    *,
    slice_: ScoreSlice,
    thresholds: Thresholds,
    group_by: ScoreGroup | None = None,
    attribute: str | None = None,
) -> pl.DataFrame:
    """One row per group (`key`, then SUM_COLUMNS); one row with key null when not grouped.

    Grouped by "attribute", the key is the answering customer's `attribute` value (null for
    an anonymous answer, a customer without it, or an erased one). Grouped by "topic", an
    answer counts once in each topic annotated on its response's texts, and in no group when
    they carry none.

    Groups with no answers are absent; an empty slice gives an empty frame when grouped and
    a row of zeros (null sums) otherwise.
    """
    if slice_.segment_ids is not None and not slice_.segment_ids:
        return pl.DataFrame(schema={"key": pl.String, **dict.fromkeys(SUM_COLUMNS, pl.Int64)})
    joined = slice_.segment_ids is not None or group_by == "segment"
    # Parameters in the order their marks appear: SELECT, then WHERE.
    counts, select_parameters = _counts(slice_.kind, thresholds)
    if group_by == "attribute":
        # The key expression comes first in the SELECT, so its parameter does too.
        select_parameters.insert(0, '$."' + (attribute or "") + '"')
    first_month, last_month = _months(slice_.start, slice_.end)
    conditions = [
        "s.kind = ?",
        "s.month BETWEEN ? AND ?",
        "s.submitted_at >= ?",
        "s.submitted_at < ?",
    ]
    where_parameters: list[object] = [
        slice_.kind,
        first_month,
        last_month,
        slice_.start,
        slice_.end,
    ]
    for column, value in (
        ("channel_id", slice_.channel_id),
        ("touchpoint_id", slice_.touchpoint_id),
        ("survey_id", slice_.survey_id),
        ("language", slice_.language),
    ):
        if value is not None:
            conditions.append(f"s.{column} = ?")
            where_parameters.append(value)
    if slice_.touchpoint_ids is not None:
        marks = ", ".join("?" for _ in slice_.touchpoint_ids) or "NULL"
        conditions.append(f"s.touchpoint_id IN ({marks})")
        where_parameters += list(slice_.touchpoint_ids)
    if slice_.segment_ids is not None:
        conditions.append(f"m.segment_id IN ({', '.join('?' for _ in slice_.segment_ids)})")
        where_parameters += list(slice_.segment_ids)
    key = _KEYS[group_by] if group_by else "NULL"
    # By topic, the topic table carries every column the slice filters and counts, one row per
    # (answer, topic): no join back to the scores, no DISTINCT.
    source = "survey_score_topics s" if group_by == "topic" else "survey_scores s"
    if joined:
        source += " JOIN segment_memberships m ON m.customer_id = s.customer_id"
    if group_by == "attribute":
        source += " LEFT JOIN customers c ON c.id = s.customer_id"
    # Only fixed fragments above are interpolated; every value is a parameter.
    query = (
        f"SELECT CAST({key} AS VARCHAR) AS key, {counts} FROM {source} "  # noqa: S608
        f"WHERE {' AND '.join(conditions)} GROUP BY 1"
    )
    parameters = select_parameters + where_parameters
    frame = _duckdb_frame(snapshot, query, parameters)
    return frame.with_columns(pl.col(name).fill_null(0).cast(pl.Int64) for name in SUM_COLUMNS)
