"""Survey-metric rollups at scale: overview latency via rollups and via raw SQL, and upkeep cost.

    python bench/metrics_rollups.py                                  # SQLite, 10 M responses
    python bench/metrics_rollups.py --responses 1000000
    python bench/metrics_rollups.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/nabd_bench_metrics

Raw data first, rollups second: responses (5 surveys on 5 touchpoints, 4 channels, 2 languages,
two years of `submitted_at`) and their answers (every response an NPS score, every 2nd a CSAT
score, every 3rd a CES score) are generated inside the database with one INSERT … SELECT per
million rows, and 1 M customers the same way; then `nabd metrics rebuild`'s function builds the
rollup table from them. The overview is `reports.overview.build_overview` for the last 90
days, called as a request calls it (settings read once, the page's lookups counted): its
survey numbers are NPS, CSAT and CES for the period and the one before, the NPS trend by
month, NPS by channel and by touchpoint and the heat map (three rollup reads); the raw-SQL
variant answers the same 9 questions from `survey_answers` ⨝ `survey_responses`. Upkeep:
`record_batch` of 1,000 responses through the service with the rollup hook, and with it
switched off.
"""

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, select, text
from sqlalchemy.orm import Session

from nabd.config import get_settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.migrations import upgrade_database
from nabd.journeys import service as journeys
from nabd.metrics import rollups
from nabd.reports.overview import OverviewFilters, build_overview, trend_start
from nabd.surveys import service as surveys
from nabd.surveys.models import Survey
from nabd.surveys.responses import record_batch
from nabd.surveys.schemas import SurveyIn
from nabd.workspaces import service as workspaces
from nabd.workspaces.schemas import WorkspaceCreate

# Every SQL string built below interpolates only numbers and names this script generates.

CHUNK = 1_000_000
SPAN_DAYS = 730
LAST_DAY = date(2026, 11, 22)
FIRST_MOMENT = datetime.combine(LAST_DAY - timedelta(days=SPAN_DAYS - 1), datetime.min.time(), UTC)
CHANNELS = ("web", "app", "store", "call_centre")
TOUCHPOINTS = ("checkout", "delivery", "support", "branch", "onboarding")
LANGUAGES = ("ar", "en")


def _question(key: str, kind: str) -> dict[str, Any]:
    return {"key": key, "type": kind, "text": {"ar": key, "en": key}}


def _reset_postgres(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()


def _setup(session: Session) -> tuple[int, list[Survey], list[int]]:
    workspace = workspaces.create_workspace(
        session,
        data=WorkspaceCreate(slug="bench", name="Bench", default_language="ar"),  # type: ignore[arg-type]
        actor=SYSTEM_ACTOR,
    )
    channel_ids = [
        journeys.ensure_channel(
            session, workspace_id=workspace.id, key=key, name_ar=key, name_en=key
        ).id
        for key in CHANNELS
    ]
    found = []
    for key in TOUCHPOINTS:
        journeys.ensure_touchpoint(
            session, workspace_id=workspace.id, key=key, name_ar=key, name_en=key, channel=None
        )
        definition = {
            "title": {"ar": key, "en": key},
            "status": "active",
            "touchpoint_key": key,
            "questions": [
                _question("nps", "nps"),
                _question("csat", "csat"),
                _question("ces", "ces"),
            ],
        }
        found.append(
            surveys.create_survey(
                session,
                workspace_id=workspace.id,
                data=SurveyIn.model_validate(definition),
                actor=SYSTEM_ACTOR,
            )
        )
    session.commit()
    return workspace.id, found, channel_ids


def _case(expression: str, mapping: dict[int, int | str]) -> str:
    """A CASE over whole numbers we generated ourselves (no user input reaches the SQL)."""
    branches = " ".join(f"WHEN {key} THEN {value!r}" for key, value in mapping.items())
    return f"CASE {expression} {branches} END"


class Generator:
    """Dialect-specific INSERT … SELECT statements for the raw rows."""

    def __init__(self, session: Session, workspace_id: int) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def _series(self, low: int, high: int) -> str:
        if self.postgres:
            return f"(SELECT generate_series({low}, {high - 1}) AS n) AS seq"
        return (
            f"(WITH RECURSIVE s(n) AS (SELECT {low} UNION ALL SELECT n + 1 FROM s "  # noqa: S608
            f"WHERE n < {high - 1}) SELECT n FROM s) AS seq"
        )

    def _random(self, modulus: int) -> str:
        if self.postgres:
            return f"floor(random() * {modulus})::bigint"
        return f"(abs(random()) % {modulus})"

    def _moment(self) -> str:
        seconds = SPAN_DAYS * 86_400
        if self.postgres:
            return (
                f"(TIMESTAMPTZ '{FIRST_MOMENT.isoformat()}' "
                f"+ make_interval(secs => {self._random(seconds)}))"
            )
        start = FIRST_MOMENT.strftime("%Y-%m-%d %H:%M:%S")
        return f"datetime('{start}', '+' || {self._random(seconds)} || ' seconds')"

    def customers(self, count: int) -> None:
        for low in range(1, count + 1, CHUNK):
            high = min(low + CHUNK, count + 1)
            attributes = "'{}'::jsonb" if self.postgres else "'{}'"
            self.session.execute(
                text(
                    "INSERT INTO customers (id, workspace_id, language, attributes, "  # noqa: S608
                    "created_at, sort_name, total_spend, order_count) "
                    f"SELECT n, {self.workspace_id}, 'ar', {attributes}, {self._moment()}, "
                    f"'', 0, 0 FROM {self._series(low, high)}"
                )
            )
            self.session.execute(
                text(
                    "INSERT INTO customer_seen (customer_id, workspace_id) "  # noqa: S608
                    f"SELECT n, {self.workspace_id} FROM {self._series(low, high)}"
                )
            )
            self.session.commit()

    def responses(
        self, count: int, surveys: list[Survey], channel_ids: list[int], customers: int
    ) -> None:
        survey_of = _case("n % 5", {i: s.id for i, s in enumerate(surveys)})
        touchpoint_of = _case("n % 5", {i: s.touchpoint_id or 0 for i, s in enumerate(surveys)})
        channel_of = _case(self._random(4), dict(enumerate(channel_ids)))
        language = "CASE WHEN n % 3 = 0 THEN 'en' ELSE 'ar' END"
        progress = "'[]'::jsonb" if self.postgres else "'[]'"
        completed = "true" if self.postgres else "1"
        for low in range(1, count + 1, CHUNK):
            high = min(low + CHUNK, count + 1)
            self.session.execute(
                text(
                    "INSERT INTO survey_responses (id, workspace_id, survey_id, customer_id, "  # noqa: S608
                    "channel_id, touchpoint_id, language, completed, submitted_at, received_at, "
                    "completed_at, progress) "
                    f"SELECT n, {self.workspace_id}, {survey_of}, 1 + {self._random(customers)}, "
                    f"{channel_of}, {touchpoint_of}, {language}, {completed}, at, at, at, "
                    f"{progress} "
                    f"FROM (SELECT n, {self._moment()} AS at FROM {self._series(low, high)}) AS r"
                )
            )
            for kind, scale, every in (
                ("nps", (0, 10), 1),
                ("csat", (1, 5), 2),
                ("ces", (1, 7), 3),
            ):
                question_of = _case(
                    "survey_id",
                    {s.id: next(q.id for q in s.questions if q.type == kind) for s in surveys},
                )
                score = f"{scale[0]} + {self._random(scale[1] - scale[0] + 1)}"
                self.session.execute(
                    text(
                        "INSERT INTO survey_answers "  # noqa: S608
                        "(workspace_id, response_id, question_id, number) "
                        f"SELECT {self.workspace_id}, id, {question_of}, {score} "
                        f"FROM survey_responses WHERE id >= {low} AND id < {high} "
                        f"AND id % {every} = 0"
                    )
                )
            self.session.commit()
            print(f"  {high - 1:,} responses", flush=True)

    def finish(self) -> None:
        if self.postgres:
            for table in ("customers", "survey_responses"):
                self.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            self.session.commit()
        self.session.execute(text("ANALYZE"))
        self.session.commit()


def _raw_overview(session: Session, workspace_id: int, filters: OverviewFilters) -> None:
    """The overview's 9 questions answered from raw answers, as without rollups."""
    postgres = session.get_bind().dialect.name == "postgresql"
    month = (
        "to_char(r.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM')"
        if postgres
        else "substr(r.submitted_at, 1, 7)"
    )

    def run(kind: str, start: date, end: date, group: str | None) -> None:
        group_sql = {
            None: "",
            "month": month,
            "channel": "r.channel_id",
            "touchpoint": "r.touchpoint_id",
        }[group]
        select_group = f"{group_sql} AS g, " if group else ""
        session.execute(
            text(
                f"SELECT {select_group}count(*), "  # noqa: S608
                "sum(CASE WHEN a.number >= 9 THEN 1 ELSE 0 END), "
                "sum(CASE WHEN a.number <= 6 THEN 1 ELSE 0 END), "
                "sum(CASE WHEN a.number >= 4 THEN 1 ELSE 0 END), sum(a.number), "
                "sum(a.number * a.number) "
                "FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id "
                "JOIN survey_questions q ON q.id = a.question_id "
                "WHERE a.workspace_id = :w AND r.workspace_id = :w AND q.type = :kind "
                "AND r.submitted_at >= :start AND r.submitted_at < :end "
                + (f"GROUP BY {group_sql}" if group else "")
            ),
            {
                "w": workspace_id,
                "kind": kind,
                "start": _bound(start, postgres),
                "end": _bound(end + timedelta(days=1), postgres),
            },
        ).all()

    previous = filters.previous
    for kind in ("nps", "csat", "ces"):
        run(kind, filters.start, filters.end, None)
        run(kind, previous.start, previous.end, None)
    run("nps", min(trend_start(filters.end), filters.start), filters.end, "month")
    run("nps", filters.start, filters.end, "channel")
    run("nps", filters.start, filters.end, "touchpoint")


def _bound(day: date, postgres: bool) -> Any:
    moment = datetime.combine(day, datetime.min.time(), UTC)
    return moment if postgres else moment.strftime("%Y-%m-%d %H:%M:%S")


class SqlClock:
    """Milliseconds spent inside the database driver's `execute` (the statement's round trip,
    its rows included: psycopg and sqlite3 fetch them there), and how many statements ran."""

    def __init__(self, engine: Engine) -> None:
        self.milliseconds = 0.0
        self.statements = 0
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, *_args: Any) -> None:
        self.milliseconds += (time.perf_counter() - self._started) * 1000
        self.statements += 1

    def reset(self) -> None:
        self.milliseconds, self.statements = 0.0, 0


class Timings:
    """Per run: wall-clock and this process's CPU milliseconds, and, with a SqlClock, the
    milliseconds spent waiting for SQL and the statement count."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.sql: list[float] = []
        self.statements: list[int] = []


def _timed(action: Callable[[], None], repeats: int, clock: SqlClock | None = None) -> Timings:
    """Times each run, after one warm-up run.

    On a busy machine the wall clock mostly measures waiting for a core; the CPU time is what
    the work itself costs (all of it with SQLite, which runs in this process; only the Python
    side with PostgreSQL). Wall minus SQL is the Python side of a request's server time.
    """
    action()
    timings = Timings()
    for _ in range(repeats):
        if clock is not None:
            clock.reset()
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        timings.wall.append((time.perf_counter() - started) * 1000)
        timings.cpu.append((time.process_time() - started_cpu) * 1000)
        if clock is not None:
            timings.sql.append(clock.milliseconds)
            timings.statements.append(clock.statements)
    return timings


def _percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):,.1f} ms, p99 {p99:,.1f} ms"


def _report(name: str, timings: Timings) -> None:
    print(
        f"{name} (n={len(timings.wall)}): wall {_percentiles(timings.wall)}; "
        f"CPU {_percentiles(timings.cpu)}"
    )
    if timings.sql:
        python = [wall - sql for wall, sql in zip(timings.wall, timings.sql, strict=True)]
        print(
            f"  of which SQL {_percentiles(timings.sql)} in {max(timings.statements)} "
            f"statements; Python (wall − SQL) {_percentiles(python)}"
        )


def _upkeep(session: Session, survey: Survey, *, batches: int) -> tuple[float, float, float]:
    """Per 1,000 responses stored with `record_batch`: total ms, and wall and CPU ms of the
    rollup hook inside it (timed by wrapping `rollups.record_responses`)."""
    ids = {q.type: q.id for q in survey.questions}
    original = rollups.record_responses
    hook_wall: list[float] = []
    hook_cpu: list[float] = []

    def timed_hook(session: Session, *, survey: Survey, responses: Any) -> None:
        started, started_cpu = time.perf_counter(), time.process_time()
        original(session, survey=survey, responses=responses)
        hook_wall.append((time.perf_counter() - started) * 1000)
        hook_cpu.append((time.process_time() - started_cpu) * 1000)

    rollups.record_responses = timed_hook  # type: ignore[assignment]
    try:
        totals = []
        for batch in range(batches):
            items = [
                {
                    "submitted_at": (
                        FIRST_MOMENT + timedelta(minutes=batch * 1000 + i)
                    ).isoformat(),
                    "channel": CHANNELS[i % 4],
                    "language": LANGUAGES[i % 2],
                    "answers": [
                        {"question_id": ids["nps"], "value": i % 11},
                        {"question_id": ids["csat"], "value": 1 + i % 5},
                    ],
                }
                for i in range(1000)
            ]
            started = time.perf_counter()
            record_batch(session, survey=survey, items=items, default_language="ar")
            session.commit()
            totals.append((time.perf_counter() - started) * 1000)
    finally:
        rollups.record_responses = original  # type: ignore[assignment]
    return statistics.median(totals), statistics.median(hook_wall), statistics.median(hook_cpu)


def _existing(session: Session) -> tuple[int, list[Survey]]:
    workspace = workspaces.get_workspace_by_slug(session, slug="bench")
    found = list(
        session.scalars(
            select(Survey).where(Survey.workspace_id == workspace.id).order_by(Survey.id)
        )
    )
    return workspace.id, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is recreated).")
    parser.add_argument("--responses", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=50, help="Overview runs via rollups.")
    parser.add_argument("--raw-repeats", type=int, default=3, help="Overview runs via raw SQL.")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="Reuse the data of an earlier run at --database-url; only measure.",
    )
    arguments = parser.parse_args()
    if arguments.database_url:
        url = arguments.database_url
        if url.startswith("postgresql") and not arguments.measure_only:
            _reset_postgres(url)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    if not arguments.measure_only:
        upgrade_database(url)
    engine = create_db_engine(url)
    session = create_session_factory(engine)()
    if arguments.measure_only:
        workspace_id, survey_list = _existing(session)
    else:
        workspace_id, survey_list, channel_ids = _setup(session)
        generator = Generator(session, workspace_id)
        started = time.perf_counter()
        generator.customers(arguments.customers)
        generator.responses(arguments.responses, survey_list, channel_ids, arguments.customers)
        generator.finish()
        print(
            f"{engine.dialect.name}: generated {arguments.responses:,} responses and "
            f"{arguments.customers:,} customers in {time.perf_counter() - started:,.1f} s"
        )
        started = time.perf_counter()
        answers = rollups.rebuild(session, workspace_id=workspace_id, actor=SYSTEM_ACTOR)
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
        elapsed = time.perf_counter() - started
        print(f"rebuild: {answers:,} answers into rollups in {elapsed:,.1f} s")
    filters = OverviewFilters(start=LAST_DAY - timedelta(days=89), end=LAST_DAY)
    # The web app reads its settings once at start-up and hands them to every request.
    settings = get_settings()

    def overview() -> None:
        build_overview(session, workspace_id=workspace_id, filters=filters, settings=settings)

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    _report("overview via rollups", _timed(overview, arguments.repeats, SqlClock(engine)))
    if arguments.raw_repeats > 0:  # 0 skips the raw scan (tens of seconds at 10 M)
        raw = _timed(lambda: _raw_overview(session, workspace_id, filters), arguments.raw_repeats)
        _report("overview via raw SQL", raw)
    total, hook_wall, hook_cpu = _upkeep(session, survey_list[0], batches=5)
    print(
        f"record_batch of 1,000 responses: {total:,.0f} ms in all, of which the rollup upkeep "
        f"{hook_wall:,.1f} ms wall / {hook_cpu:,.1f} ms CPU (median of 5)"
    )
    session.close()
    engine.dispose()


if __name__ == "__main__":
    main()
