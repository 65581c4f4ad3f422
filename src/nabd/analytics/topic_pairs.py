"""Bringing the snapshot's (scored answer, topic) pairs of some responses in step at once.

`survey_score_topics` is appended by topic row id, one row per pair, so a refresh adds the
pairs an analyst's correction creates but never drops those it removes. `resync_responses`
rewrites the rows of given responses from the database: the files that hold any of their
answers lose those rows, and the month's newest part receives the pairs that hold now.
Idempotent. The correction enqueues it after its commit (`resync_topics_in_snapshot`); every
refresh also applies the topic corrections logged since the one before
(`text_corrections` ids), so a job that never ran is made up for at the next refresh.

Rows land in parts whose names keep their id range, although a correction's new topic rows
have ids above the table's watermark: a refresh then skips those pairs (already in the
month), and never takes such a part for one an interrupted refresh left behind. A month with
no part yet gets one named after the watermark, for the same reason.
"""

from collections.abc import Collection
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.analytics.layout import (
    PartFile,
    month_dir,
    month_dirs,
    part_files,
    part_name,
    workspace_dir,
)
from nabd.analytics.models import AnalyticsWatermark
from nabd.analytics.parquet import replace_file, rows_to_table
from nabd.analytics.tables import TABLES_BY_NAME
from nabd.feedback.models import FeedbackItem
from nabd.surveys.models import SurveyAnswer
from nabd.text.annotations import TextCorrection

TABLE = TABLES_BY_NAME["survey_score_topics"]


def _month(value: pa.Scalar) -> str:
    moment = value.as_py()
    return f"{moment.year:04d}-{moment.month:02d}"


def _lasting_part(parts: list[PartFile], watermark: int) -> PartFile | None:
    """The newest part that the next refresh keeps: recorded (not above the watermark) and not
    superseded by a merged one (`snapshot._tidy_fact_folders` removes the others)."""
    lasting = [
        part
        for part in parts
        if part.last_id <= watermark
        and not any(other is not part and other.contains(part) for other in parts)
    ]
    return max(lasting, key=lambda part: part.last_id, default=None)


def resync_responses(
    session: Session, root: Path, workspace_id: int, response_ids: Collection[int]
) -> int:
    """Rewrite the topic pairs of these responses from the database; returns files written.

    The caller holds the workspace lock. Nothing to do before the table's first refresh.
    """
    watermark = session.scalar(
        select(AnalyticsWatermark.last_id).where(
            AnalyticsWatermark.workspace_id == workspace_id,
            AnalyticsWatermark.table_name == TABLE.name,
        )
    )
    if not watermark or not response_ids:
        return 0
    table_dir = workspace_dir(root, workspace_id) / TABLE.name
    if not any(part_files(folder) for folder in month_dirs(table_dir)):
        return 0  # files gone: the next refresh starts the table over
    ids = sorted(set(response_ids))
    answers = pa.array(
        session.scalars(
            select(SurveyAnswer.id).where(
                SurveyAnswer.workspace_id == workspace_id, SurveyAnswer.response_id.in_(ids)
            )
        ).all(),
        type=pa.int64(),
    )
    statement = TABLE.select_rows(workspace_id).where(SurveyAnswer.response_id.in_(ids))
    current = rows_to_table(session.execute(statement.order_by(TABLE.model.id)).all(), TABLE.schema)
    # The first row of each pair, as a refresh writes it (two comments naming one topic).
    seen: set[tuple[int, str]] = set()
    first: list[int] = []
    answer_ids, topics = current["answer_id"].to_pylist(), current["topic"].to_pylist()
    for index, pair in enumerate(zip(answer_ids, topics, strict=True)):
        if pair not in seen:
            seen.add(pair)
            first.append(index)
    current = current.take(first)
    by_month: dict[str, list[int]] = {}
    for index, moment in enumerate(current["submitted_at"]):
        by_month.setdefault(_month(moment), []).append(index)

    written = 0
    for folder in month_dirs(table_dir):
        month = folder.name.removeprefix("month=")
        parts = part_files(folder)
        target_part = _lasting_part(parts, watermark)
        for part in parts:
            # The answer ids alone first: most parts hold none of these responses.
            keys = pq.read_table(part.path, columns=["answer_id"])["answer_id"]
            held = pc.any(pc.is_in(keys, value_set=answers)).as_py()
            target = part is target_part and month in by_month
            if not held and not target:
                continue
            stored = pq.read_table(part.path, schema=TABLE.schema)
            keep = stored.filter(pc.invert(pc.is_in(stored["answer_id"], value_set=answers)))
            if target:
                keep = pa.concat_tables([keep, current.take(by_month.pop(month))])
            if not keep.equals(stored):
                replace_file(part.path, keep)
                written += 1
    for month, positions in by_month.items():
        folder = month_dir(table_dir, month)
        folder.mkdir(parents=True, exist_ok=True)
        replace_file(folder / part_name(watermark, watermark), current.take(positions))
        written += 1
    return written


def responses_of_topic_corrections(
    session: Session, *, workspace_id: int, after_id: int
) -> tuple[set[int], int]:
    """The survey responses whose comments' topics were corrected after `after_id`, and the
    id of the last correction (`after_id` if none)."""
    rows = session.execute(
        select(TextCorrection.id, FeedbackItem.source, FeedbackItem.details)
        .join(FeedbackItem, FeedbackItem.id == TextCorrection.feedback_item_id)
        .where(
            TextCorrection.workspace_id == workspace_id,
            TextCorrection.id > after_id,
            TextCorrection.field == "topics",
        )
    ).all()
    responses = {int(details["response_id"]) for _id, source, details in rows if source == "survey"}
    return responses, max((row.id for row in rows), default=after_id)
