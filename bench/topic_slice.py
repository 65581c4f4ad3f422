"""Survey metrics by topic at scale: `group_by=topic` from the snapshot, and the table's export.

    python bench/topic_slice.py [--answers 10000000] [--customers 1000000]
        [--commented 0.3] [--db-responses 100000] [--database-url postgresql+psycopg://…]
        [--skip-snapshot] [--skip-database]

Part 1 writes `--answers` scored NPS answers and three segments (as bench/segment_slice.py)
and, for a `--commented` share of the answers, one or two of 16 topics in
`survey_score_topics`, straight to the snapshot layout; then times what
`GET /api/v1/metrics/nps?group_by=topic` does: the grouped DuckDB sums, the total, and the
estimates, cold and the median of three warm runs; then the grouped DuckDB sums alone. Part 2
inserts `--db-responses` survey responses (NPS + CSAT + a comment for the `--commented` share,
with their feedback items and annotation topics) into a real database (a scratch SQLite file
unless `--database-url` names an empty, migrated one) and times a whole snapshot refresh (every
table; the topic rows are appended like the other facts), then one with nothing new.
"""

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq
from segment_slice import FIRST_DAY, generate, timed
from sqlalchemy import insert, select, text

from nabd.analytics.layout import part_name
from nabd.analytics.query import Snapshot
from nabd.analytics.score_slices import ScoreSlice, score_sums
from nabd.analytics.snapshot import refresh_snapshot
from nabd.analytics.tables import TABLES_BY_NAME
from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.migrations import upgrade_database
from nabd.feedback.models import FeedbackItem
from nabd.metrics.segment_metrics import THRESHOLDS
from nabd.metrics.shapes import MetricName
from nabd.metrics.survey_metrics import Sums, estimate
from nabd.surveys import service as surveys
from nabd.surveys.models import SurveyAnswer, SurveyResponse
from nabd.surveys.schemas import SurveyIn
from nabd.text.annotations import AnnotationTopic, FeedbackAnnotation
from nabd.workspaces import service as workspaces
from nabd.workspaces.schemas import WorkspaceCreate

TOPICS = [f"topic_{index:02d}" for index in range(16)]
TABLE = TABLES_BY_NAME["survey_score_topics"]


def generate_topics(folder: Path, *, answers: int, commented: float, seed: int = 11) -> int:
    """Topic rows for a share of the answers, one or two topics each, carrying their answer's
    columns and month (as `generate` spreads the answers), each (answer, topic) once as the
    export writes them; returns how many rows."""
    random = np.random.default_rng(seed)
    scores = pl.scan_parquet(str(folder / "survey_scores" / "month=*" / "*.parquet"))
    answered = scores.collect().sort("id")
    chosen = np.sort(random.choice(answers, int(answers * commented), replace=False))
    twice = chosen[random.random(len(chosen)) < 0.5]
    rows = np.sort(np.concatenate([chosen, twice]))
    frame = (
        answered[rows]
        .rename({"id": "answer_id"})
        .with_columns(
            pl.Series("topic", np.array(TOPICS)[random.integers(0, len(TOPICS), len(rows))]),
            pl.col("submitted_at").alias("annotated_at"),
            pl.col("submitted_at").dt.strftime("%Y-%m").alias("month"),
        )
        .unique(["answer_id", "topic"], keep="first", maintain_order=True)
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )
    for (month,), part in frame.group_by("month", maintain_order=True):
        target = folder / TABLE.name / f"month={month}"
        target.mkdir(parents=True)
        ids = part["id"]
        name = part_name(ids.min(), ids.max())  # type: ignore[arg-type]
        table = part.select(TABLE.schema.names).to_arrow().cast(TABLE.schema)
        pq.write_table(table, target / name, compression="zstd")
    return frame.height


def by_topic(snapshot: Snapshot, slice_: ScoreSlice) -> int:
    """What the engine does for group_by=topic: grouped sums, the total, the estimates."""
    frame = score_sums(snapshot, slice_=slice_, thresholds=THRESHOLDS, group_by="topic")
    total = score_sums(snapshot, slice_=slice_, thresholds=THRESHOLDS)
    for _key, *values in (*frame.iter_rows(), *total.iter_rows()):
        estimate(MetricName.NPS, Sums(*(int(value) for value in values)))
    return frame.height


def slice_table(folder: Path) -> None:
    snapshot = Snapshot(folder)
    year = dict(start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2026, 1, 1, tzinfo=UTC))
    whole = dict(start=FIRST_DAY, end=datetime(2026, 1, 1, tzinfo=UTC))
    cases = {
        "NPS by topic, 12 months": ScoreSlice("nps", **year),
        "NPS by topic, 24 months": ScoreSlice("nps", **whole),
        "NPS by topic, channel 3, 12 months": ScoreSlice("nps", channel_id=3, **year),
        "NPS by topic of the 30 % segment, 12 months": ScoreSlice("nps", segment_ids=[2], **year),
        "NPS by topic, 5 touchpoints (a journey), 1 month": ScoreSlice(
            "nps",
            touchpoint_ids=[1, 2, 3, 4, 5],
            start=datetime(2025, 11, 1, tzinfo=UTC),
            end=datetime(2025, 12, 1, tzinfo=UTC),
        ),
    }
    print("| slice | groups | cold s | warm s (median of 3) | DuckDB by topic alone, warm s |")
    print("|---|---:|---:|---:|---:|")
    for label, slice_ in cases.items():
        cold, warm, groups = timed(lambda s=slice_: by_topic(snapshot, s))
        _, grouped, _ = timed(
            lambda s=slice_: score_sums(snapshot, slice_=s, thresholds=THRESHOLDS, group_by="topic")
        )
        print(f"| {label} | {groups:,} | {cold:.3f} | {warm:.3f} | {grouped:.3f} |")


SURVEY: dict[str, Any] = {
    "title": {"ar": "استبيان", "en": "Survey"},
    "status": "active",
    "questions": [
        {"key": "nps", "type": "nps", "text": {"ar": "توصي؟", "en": "Recommend?"}},
        {"key": "csat", "type": "csat", "text": {"ar": "راضٍ؟", "en": "Satisfied?"}},
        {"key": "why", "type": "text", "text": {"ar": "لماذا؟", "en": "Why?"}},
    ],
}


def database_table(url: str, responses: int, commented: float, seed: int = 11) -> None:
    """Insert the rows in bulk (not through the services: their cost is measured elsewhere),
    then time the dimension's export as a refresh runs it."""
    engine = create_db_engine(url)
    session = create_session_factory(engine)()
    random = np.random.default_rng(seed)
    workspace = workspaces.create_workspace(
        session,
        data=WorkspaceCreate(slug=f"bench{int(time.time())}", name="bench", default_language="ar"),  # type: ignore[arg-type]
        actor=SYSTEM_ACTOR,
    )
    survey = surveys.create_survey(
        session,
        workspace_id=workspace.id,
        data=SurveyIn.model_validate(SURVEY),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    nps_q, csat_q, text_q = (question.id for question in survey.questions)
    now = datetime.now(UTC)
    started = time.perf_counter()
    batch = 20_000
    for offset in range(0, responses, batch):
        count = min(batch, responses - offset)
        session.execute(
            insert(SurveyResponse),
            [
                {
                    "workspace_id": workspace.id,
                    "survey_id": survey.id,
                    "language": "ar",
                    "submitted_at": now - timedelta(minutes=offset + index),
                    "received_at": now - timedelta(days=1),
                    "completed": True,
                }
                for index in range(count)
            ],
        )
        ids = list(
            session.scalars(
                select(SurveyResponse.id)
                .where(SurveyResponse.workspace_id == workspace.id)
                .order_by(SurveyResponse.id.desc())
                .limit(count)
            )
        )
        scores = random.integers(0, 11, count)
        session.execute(
            insert(SurveyAnswer),
            [
                {
                    "workspace_id": workspace.id,
                    "response_id": response_id,
                    "question_id": question,
                    "number": int(scores[index]) if question == nps_q else 4,
                    "text": "تعليق" if question == text_q else None,
                }
                for index, response_id in enumerate(ids)
                for question in (nps_q, csat_q, text_q)
            ],
        )
        with_text = [rid for rid in ids if random.random() < commented]
        session.execute(
            insert(FeedbackItem),
            [
                {
                    "workspace_id": workspace.id,
                    "source": "survey",
                    "external_id": f"response:{rid}:question:{text_q}",
                    "text": "تعليق",
                    "created_at": now,
                    "received_at": now - timedelta(days=1),
                    "details": {"survey_id": survey.id, "question_id": text_q, "response_id": rid},
                }
                for rid in with_text
            ],
        )
        items = list(
            session.scalars(
                select(FeedbackItem.id).where(
                    FeedbackItem.workspace_id == workspace.id,
                    FeedbackItem.external_id.in_(
                        [f"response:{rid}:question:{text_q}" for rid in with_text]
                    ),
                )
            )
        )
        session.execute(
            insert(FeedbackAnnotation),
            [
                {
                    "workspace_id": workspace.id,
                    "feedback_item_id": item,
                    "model_version": "bench",
                    "taxonomy_version": "bench",
                    "language": "ar",
                    "sentiment": "negative",
                    "sentiment_score": -0.5,
                    "search_text": "تعليق",
                    "annotated_at": now - timedelta(minutes=5),
                }
                for item in items
            ],
        )
        session.execute(
            insert(AnnotationTopic),
            [
                {
                    "workspace_id": workspace.id,
                    "feedback_item_id": item,
                    "topic": topic,
                    "sentiment": "negative",
                }
                for item in items
                for topic in random.choice(TOPICS, int(random.integers(1, 3)), replace=False)
            ],
        )
        session.commit()
    print(f"{responses:,} responses inserted in {time.perf_counter() - started:.1f} s")
    if engine.dialect.name == "postgresql":
        # As autovacuum would have by then: right after a bulk insert the planner still
        # believes the tables nearly empty and picks nested loops.
        session.execute(text("ANALYZE"))
        session.commit()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for attempt in ("first (whole)", "again (nothing new)"):
            started = time.perf_counter()
            report = refresh_snapshot(session, root=root, workspace_id=workspace.id)
            session.commit()
            seconds = time.perf_counter() - started
            rows = report.rows_written[TABLE.name]
            print(
                f"| {engine.dialect.name} | {attempt} | {responses:,} | {rows:,} | "
                f"{seconds:.2f} (whole refresh) |"
            )
    session.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--commented", type=float, default=0.3)
    parser.add_argument("--db-responses", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--skip-snapshot", action="store_true")
    parser.add_argument("--skip-database", action="store_true")
    args = parser.parse_args()
    if not args.skip_snapshot:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            generate(Path(folder), answers=args.answers, customers=args.customers)
            rows = generate_topics(Path(folder), answers=args.answers, commented=args.commented)
            print(f"generated in {time.perf_counter() - started:.1f} s; {rows:,} topic rows")
            slice_table(Path(folder))
    if not args.skip_database:
        with tempfile.TemporaryDirectory() as folder:
            url = args.database_url or f"sqlite:///{folder}/bench.sqlite3"
            if not args.database_url:
                upgrade_database(url)
            database_table(url, args.db_responses, args.commented)


if __name__ == "__main__":
    main()
