"""The physical floor of the survey batch endpoint: its rows, written by plain sqlite3.

    python bench/survey_floor.py                  # 40 batches of 500, SQLite in a temp dir
    python bench/survey_floor.py --batches 100 --batch 500
    python bench/survey_floor.py --layout composite-key   # answers stored another way

What one batch of `bench/survey_responses.py` makes nabd write (checked with a statement log
of `POST /api/v1/surveys/{id}/responses/batch`): per response one `survey_responses` row
(whose unique `(workspace_id, idempotency_key)` is the idempotency record), three
`survey_answers` rows and one `feedback_items` row for its comment, and per batch one upsert
of `metric_rollups` (4 rows here: two scored questions × two languages, one day). The score
snapshot (`survey_scores`, Parquet) is appended later by a background job, not by the
request. Here the same rows, in the form nabd stores them, go into a database migrated by
nabd's own migrations (same indexes, foreign keys enforced, same pragmas) with one
`executemany` per table and one commit per batch, with no nabd logic, no lookups and no
HTTP: what no implementation of the endpoint can beat on this machine.

`--layout` writes the answers in another form, the schema changed by plain DDL after the
migrations, to price a change of storage before making it: `composite-key`, `survey_answers`
keyed by (response, question) `WITHOUT ROWID` with no surrogate id (the row stored in its
key's b-tree: two b-tree entries an answer instead of three, the id being the rowid);
`json`, no `survey_answers` rows at all, a response's answers as one JSON document column
of `survey_responses` (the ceiling of a redesign, not a proposal).
"""

import argparse
import json
import os
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from survey_responses import CUSTOMERS, prepare, response_body

from nabd.core.db import create_db_engine, create_session_factory, transaction
from nabd.customers.identity import resolve_customers
from nabd.metrics.rollups import COUNT_COLUMNS, answer_counts
from nabd.surveys.schemas import CustomerRef

RESPONSE_SQL = (
    "INSERT INTO survey_responses (id, workspace_id, survey_id, invitation_id, customer_id, "
    "channel_id, touchpoint_id, language, completed, idempotency_key, submitted_at, "
    "received_at, completed_at, progress) VALUES (?, ?, ?, NULL, ?, ?, NULL, ?, 1, ?, ?, ?, ?, ?)"
)
ANSWER_SQL = (
    "INSERT INTO survey_answers (id, workspace_id, response_id, question_id, number, text, "
    "choices) VALUES (?, ?, ?, ?, ?, ?, 'null')"
)
FEEDBACK_SQL = (
    "INSERT INTO feedback_items (id, workspace_id, source, external_id, customer_id, "
    "channel_id, touchpoint_id, text, language, rating, rating_scale_max, created_at, "
    "received_at, details) VALUES (?, ?, 'survey', ?, ?, ?, NULL, ?, ?, ?, 10, ?, ?, ?)"
)
# The answers as one JSON document of their response, `{"question id": value}`.
JSON_RESPONSE_SQL = RESPONSE_SQL.replace("progress)", "progress, answers)").replace(
    "?, ?)", "?, ?, ?)"
)
KEYED_ANSWER_SQL = (
    "INSERT INTO survey_answers (workspace_id, response_id, question_id, number, text, "
    "choices) VALUES (?, ?, ?, ?, ?, 'null')"
)
# DDL turning today's migrated schema into each layout, run before the measurement.
LAYOUTS: dict[str, list[str]] = {
    "today": [],
    "composite-key": [
        "CREATE TABLE survey_answers_keyed (workspace_id INTEGER NOT NULL, "
        "response_id INTEGER NOT NULL, question_id INTEGER NOT NULL, number INTEGER, text TEXT, "
        "choices JSON, PRIMARY KEY (response_id, question_id), "
        "FOREIGN KEY (question_id) REFERENCES survey_questions (id) ON DELETE CASCADE, "
        "FOREIGN KEY (response_id) REFERENCES survey_responses (id) ON DELETE CASCADE, "
        "FOREIGN KEY (workspace_id) REFERENCES workspaces (id) ON DELETE CASCADE) WITHOUT ROWID",
        "DROP TABLE survey_answers",
        "ALTER TABLE survey_answers_keyed RENAME TO survey_answers",
        "CREATE INDEX ix_survey_answers_question_number "
        "ON survey_answers (workspace_id, question_id, number)",
    ],
    "json": [
        "DROP TABLE survey_answers",
        "ALTER TABLE survey_responses ADD COLUMN answers JSON",
    ],
}
COUNTS = COUNT_COLUMNS
ROLLUP_SQL = (
    "INSERT INTO metric_rollups (workspace_id, kind, day, question_id, channel_id, "  # noqa: S608
    f"touchpoint_id, language, survey_id, {', '.join(COUNTS)}) "
    f"VALUES (?, ?, ?, ?, ?, 0, ?, ?, {', '.join('?' * len(COUNTS))}) "
    "ON CONFLICT (workspace_id, kind, day, question_id, channel_id, touchpoint_id, language) "
    f"DO UPDATE SET {', '.join(f'{name} = {name} + excluded.{name}' for name in COUNTS)}"
)


class Setup:
    """The bench's workspace, survey, channel and customers, as ids."""

    def __init__(self, database_url: str) -> None:
        _token, self.survey_id, self.questions = prepare(database_url)
        engine = create_db_engine(database_url)
        with transaction(create_session_factory(engine)) as session:
            self.workspace_id, self.channel_id = (
                session.connection()
                .exec_driver_sql("SELECT workspace_id, id FROM channels WHERE key = 'web'")
                .one()
            )
            refs = [CustomerRef(external_id=f"c{number}") for number in range(CUSTOMERS)]
            self.customers = resolve_customers(
                session,
                workspace_id=self.workspace_id,
                references=[ref.identities() for ref in refs],
                languages=["ar"] * CUSTOMERS,
            )
        engine.dispose()


def batch_rows(setup: Setup, first: int, size: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows one batch of `size` bench responses makes nabd write, as nabd stores them;
    response number n gets id n + 1 (answers 3n+1…3n+3, feedback item n + 1)."""
    now = datetime.now(UTC).isoformat(" ", "microseconds")[:26]
    day = now[:10]
    rows: dict[str, list[tuple[Any, ...]]] = {"responses": [], "answers": [], "feedback": []}
    rollups: dict[tuple[str, int, str], list[int]] = {}
    workspace, channel, questions = setup.workspace_id, setup.channel_id, setup.questions
    for number in range(first, first + size):
        body = response_body(number, questions)
        response_id = number + 1
        customer_id = setup.customers[number % CUSTOMERS]
        language = body["language"]
        answers = {answer["question_id"]: answer["value"] for answer in body["answers"]}
        key, progress = f"batch-{number}", json.dumps(sorted(answers), separators=(",", ":"))
        rows["responses"].append(
            # submitted, received and completed now
            (
                response_id,
                workspace,
                setup.survey_id,
                customer_id,
                channel,
                language,
                key,
                now,
                now,
                now,
                progress,
            )
        )
        for offset, (question_id, value) in enumerate(sorted(answers.items())):
            number_value = value if isinstance(value, int) else None
            text = value if isinstance(value, str) else None
            answer_id = 3 * number + offset + 1
            rows["answers"].append(
                (answer_id, workspace, response_id, question_id, number_value, text)
            )
            if text is not None:
                external_id = f"response:{response_id}:question:{question_id}"
                details = {
                    "survey_id": setup.survey_id,
                    "question_id": question_id,
                    "response_id": response_id,
                }
                rating = answers[questions["nps"]]
                rows["feedback"].append(
                    (
                        response_id,
                        workspace,
                        external_id,
                        customer_id,
                        channel,
                        text,
                        language,
                        rating,
                        now,
                        now,
                        json.dumps(details, separators=(",", ":")),
                    )
                )
        for kind in ("nps", "csat"):
            score = answers[questions[kind]]
            counts = rollups.setdefault((kind, questions[kind], language), [0] * len(COUNTS))
            for index, value in enumerate(answer_counts(kind, score)):
                counts[index] += value
    rows["rollups"] = [
        (workspace, kind, day, question_id, channel, language, setup.survey_id, *counts)
        for (kind, question_id, language), counts in sorted(rollups.items())
    ]
    return rows


def in_layout(rows: dict[str, list[tuple[Any, ...]]], layout: str) -> dict[str, list[Any]]:
    """A batch's rows (`batch_rows`, today's layout) as `layout` stores them."""
    if layout == "today":
        return rows
    if layout == "composite-key":
        return {**rows, "answers": [answer[1:] for answer in rows["answers"]]}
    documents: dict[int, dict[str, Any]] = {}
    for _id, _workspace, response_id, question_id, number, text in rows["answers"]:
        value = number if number is not None else text
        documents.setdefault(response_id, {})[str(question_id)] = value
    responses = [
        (*response, json.dumps(documents[response[0]], separators=(",", ":"), ensure_ascii=False))
        for response in rows["responses"]
    ]
    return {**rows, "responses": responses, "answers": []}


def connect(path: Path) -> sqlite3.Connection:
    """A connection with nabd's pragmas (nabd.core.db), in explicit transactions."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def write(connection: sqlite3.Connection, rows: dict[str, list[Any]], layout: str) -> None:
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        JSON_RESPONSE_SQL if layout == "json" else RESPONSE_SQL, rows["responses"]
    )
    if layout != "json":
        sql = KEYED_ANSWER_SQL if layout == "composite-key" else ANSWER_SQL
        connection.executemany(sql, rows["answers"])
    connection.executemany(FEEDBACK_SQL, rows["feedback"])
    connection.executemany(ROLLUP_SQL, rows["rollups"])
    connection.execute("COMMIT")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--batches", type=int, default=40, help="batches to write")
    parser.add_argument("--batch", type=int, default=500, help="responses per batch")
    parser.add_argument(
        "--layout", choices=sorted(LAYOUTS), default="today", help="how the answers are stored"
    )
    args = parser.parse_args()
    load_before = f"{os.getloadavg()[0]:.2f}"
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "floor.sqlite3"
        setup = Setup(f"sqlite:///{path}")
        batches = [
            in_layout(batch_rows(setup, start * args.batch, args.batch), args.layout)
            for start in range(args.batches)
        ]
        connection = connect(path)
        for statement in LAYOUTS[args.layout]:
            connection.execute(statement)
        cpu, began = time.process_time(), time.perf_counter()
        for rows in batches:
            write(connection, rows, args.layout)
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        connection.close()
    per_batch = {table: len(table_rows) for table, table_rows in batches[0].items()}
    responses = args.batch * args.batches
    rows_written = sum(len(table_rows) for rows in batches for table_rows in rows.values())
    print(f"\nlayout {args.layout}, rows of one batch of {args.batch}: {per_batch}")
    print(f"load average before: {load_before}, after: {os.getloadavg()[0]:.2f}")
    print(
        f"{responses:,} responses, {rows_written:,} rows in {seconds:.2f} s "
        f"(CPU {cpu:.2f} s): {rows_written / seconds:,.0f} rows/s, "
        f"{responses / seconds:,.0f} responses/s, {cpu / responses * 1000:.4f} ms CPU/response"
    )


if __name__ == "__main__":
    main()
