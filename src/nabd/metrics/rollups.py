"""Keeping `metric_rollups` equal to the raw answers, write by write, and rebuilding it.

The definition a rollup must equal (docs/how-we-compute/rollups.md): for every stored answer
with a number to an `nps`, `csat` or `ces` question — complete response or not — one count in
the row of its workspace, UTC day of the response's `submitted_at`, question, channel,
touchpoint and language. Writers call `record_responses` for new responses and
`record_change` around an edit, in the same transaction as the answers, so a rolled-back write
leaves no trace in the rollup either. `rebuild` recomputes the rows from the raw tables.
"""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Date, case, cast, delete, func, select, text, type_coerce
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from nabd.core.audit import Actor, record_audit
from nabd.core.bulk import bind_processor, driver_write
from nabd.core.deferred_writes import write_later
from nabd.metrics.estimates import (
    CES_AGREE_MIN,
    CSAT_SATISFIED_MIN,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
)
from nabd.metrics.models import NO_DIMENSION, MetricRollup
from nabd.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse

ROLLUP_KINDS = ("nps", "csat", "ces")
KEY_COLUMNS = ("workspace_id", "day", "question_id", "channel_id", "touchpoint_id", "language")
COUNT_COLUMNS = (
    "answer_count",
    "promoters",
    "passives",
    "detractors",
    "top_box",
    "agree",
    "score_sum",
    "score_sum_squares",
)

# workspace, day, question, channel, touchpoint, language
RollupKey = tuple[int, date, int, int, int, str]
# (workspace, day, channel, touchpoint, language), question, kind, score → answers
Place = tuple[int, date, int, int, str]  # workspace, day, channel, touchpoint, language
Scores = Counter[tuple[Place, int, str, int]]


@dataclass(frozen=True, slots=True)
class Counts:
    """What one or more answers add to a rollup row; negative when they are taken away."""

    survey_id: int
    kind: str
    values: tuple[int, ...]

    def plus(self, other: "Counts", sign: int = 1) -> "Counts":
        values = tuple(a + sign * b for a, b in zip(self.values, other.values, strict=True))
        return Counts(self.survey_id, self.kind, values)


Contribution = Mapping[RollupKey, Counts]


class CountedQuestion(Protocol):
    """What the rollup reads of a question (a `SurveyQuestion` or a compiled spec)."""

    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...


class CountedSurvey(Protocol):
    """What the rollup reads of a survey: a `Survey` or the response path's compiled copy."""

    @property
    def id(self) -> int: ...
    @property
    def questions(self) -> Sequence[CountedQuestion]: ...


class CountedAnswer(Protocol):
    """What the rollup reads of an answer (a stored `SurveyAnswer` or a row being stored)."""

    @property
    def question_id(self) -> int: ...
    @property
    def number(self) -> int | None: ...


class CountedResponse(Protocol):
    """What the rollup reads of a response, so writers can pass plain rows, not ORM objects."""

    @property
    def workspace_id(self) -> int: ...
    @property
    def submitted_at(self) -> datetime: ...
    @property
    def channel_id(self) -> int | None: ...
    @property
    def touchpoint_id(self) -> int | None: ...
    @property
    def language(self) -> str: ...
    @property
    def answers(self) -> Sequence[CountedAnswer]: ...


def answer_counts(kind: str, score: int) -> tuple[int, ...]:
    """The rollup columns one score adds, in COUNT_COLUMNS order."""
    return (
        1,
        int(kind == "nps" and score >= NPS_PROMOTER_MIN),
        int(kind == "nps" and NPS_DETRACTOR_MAX < score < NPS_PROMOTER_MIN),
        int(kind == "nps" and score <= NPS_DETRACTOR_MAX),
        int(kind == "csat" and score >= CSAT_SATISFIED_MIN),
        int(kind == "ces" and score >= CES_AGREE_MIN),
        score,
        score * score,
    )


def contribution(
    survey: CountedSurvey, responses: Iterable[CountedResponse]
) -> dict[RollupKey, Counts]:
    """What these responses of one survey, as they are in memory now, add to the rollup.

    Scores are counted first and turned into rollup columns once per distinct score: a
    batch of a thousand responses holds a few dozen, and building the columns per answer
    was most of the rollup's cost.
    """
    kinds = {q.id: q.type for q in survey.questions if q.type in ROLLUP_KINDS}
    scores: Scores = Counter()
    places = RollupPlaces()
    for response in responses:
        place = places.of(
            response.workspace_id,
            response.submitted_at,
            response.channel_id,
            response.touchpoint_id,
            response.language,
        )
        for answer in response.answers:
            kind = kinds.get(answer.question_id)
            if kind is not None and answer.number is not None:
                scores[place, answer.question_id, kind, answer.number] += 1
    return counted(survey.id, scores)


class RollupPlaces:
    """Each response's rollup place, its UTC day computed once per distinct submission time
    (a batch's responses mostly share one)."""

    def __init__(self) -> None:
        self._days: dict[datetime, date] = {}

    def of(
        self,
        workspace_id: int,
        submitted_at: datetime,
        channel_id: int | None,
        touchpoint_id: int | None,
        language: str,
    ) -> Place:
        day = self._days.get(submitted_at)
        if day is None:
            day = self._days[submitted_at] = submitted_at.astimezone(UTC).date()
        return (
            workspace_id,
            day,
            channel_id or NO_DIMENSION,
            touchpoint_id or NO_DIMENSION,
            language,
        )


def counted(survey_id: int, scores: Scores) -> dict[RollupKey, Counts]:
    """The rollup rows of answers counted per place, question, kind and score."""
    totals: dict[RollupKey, Counts] = {}
    for (place, question_id, kind, score), answers in scores.items():
        workspace_id, day, channel_id, touchpoint_id, language = place
        key = (workspace_id, day, question_id, channel_id, touchpoint_id, language)
        values = tuple(answers * value for value in answer_counts(kind, score))
        counts = Counts(survey_id, kind, values)
        totals[key] = totals[key].plus(counts) if key in totals else counts
    return totals


def record_responses(
    session: Session, *, survey: CountedSurvey, responses: Iterable[CountedResponse]
) -> None:
    """Count newly stored responses; call in the transaction that stores them. Inside a
    group commit, added with the other units' counts in one upsert (`nabd.core.deferred_writes`)."""
    write_later(session, _apply_summed, [contribution(survey, responses)])


def _apply_summed(session: Session, contributions: list[Contribution]) -> None:
    """`_apply` once for several contributions, summed per rollup row first."""
    if len(contributions) == 1:
        _apply(session, contributions[0])
        return
    summed: dict[RollupKey, Counts] = {}
    for deltas in contributions:
        for key, counts in deltas.items():
            summed[key] = summed[key].plus(counts) if key in summed else counts
    _apply(session, summed)


def record_scores(session: Session, *, survey_id: int, scores: Scores) -> None:
    """`record_responses` for a writer that counted its answers itself (the survey batch
    path, in the pass that builds its rows), exactly as `contribution` counts them."""
    _apply(session, counted(survey_id, scores))


def record_change(
    session: Session, *, survey: Survey, response: SurveyResponse, before: Contribution
) -> None:
    """Replace what a response counted `before` an edit with what it counts now."""
    after = contribution(survey, [response])
    deltas: dict[RollupKey, Counts] = dict(after)
    for key, counts in before.items():
        zero = Counts(counts.survey_id, counts.kind, (0,) * len(COUNT_COLUMNS))
        deltas[key] = deltas.get(key, zero).plus(counts, sign=-1)
    _apply(session, {key: counts for key, counts in deltas.items() if any(counts.values)})


def _apply(session: Session, deltas: Contribution) -> None:
    """Add the deltas with one upsert: a new row, or count = count + excluded.count."""
    if not deltas:
        return
    # Sorted, so concurrent writers lock rows in the same order and cannot deadlock.
    ordered = sorted(deltas.items(), key=lambda item: item[0])
    connection = session.connection()  # a plain table: no ORM layer needed
    if connection.dialect.name != "sqlite":
        rows = [
            {
                **dict(zip(KEY_COLUMNS, key, strict=True)),
                "survey_id": counts.survey_id,
                "kind": counts.kind,
                **dict(zip(COUNT_COLUMNS, counts.values, strict=True)),
            }
            for key, counts in ordered
        ]
        connection.execute(_upsert(connection.dialect.name), rows)
        return
    sql, order, binders = _sqlite_upsert(connection.dialect)
    parameters = []
    for key, counts in ordered:
        # The row's values in _ROW_COLUMNS order, then in the statement's.
        row = (*key, counts.survey_id, counts.kind, *counts.values)
        parameters.append(
            tuple(
                row[index] if bind is None else bind(row[index])
                for index, bind in zip(order, binders, strict=True)
            )
        )
    driver_write(connection, sql, parameters, many=True)


_ROW_COLUMNS = (*KEY_COLUMNS, "survey_id", "kind", *COUNT_COLUMNS)


@cache
def _sqlite_upsert(
    dialect: Dialect,
) -> tuple[str, tuple[int, ...], tuple[Callable[[Any], Any] | None, ...]]:
    """The SQLite upsert as SQL text for the driver, the position in _ROW_COLUMNS of each of
    its parameters, and each one's bind processing (a day as its ISO text): through
    SQLAlchemy, the statement's cache lookup and execution context cost more than the upsert
    itself on the single-response path."""
    compiled = _upsert("sqlite").compile(dialect=dialect, column_keys=list(_ROW_COLUMNS))
    names = tuple(compiled.positiontup or ())
    table = MetricRollup.__table__
    order = tuple(_ROW_COLUMNS.index(name) for name in names)
    return compiled.string, order, tuple(bind_processor(dialect, table.c[n]) for n in names)


@cache
def _upsert(dialect_name: str) -> Any:
    """The upsert for one dialect, built once: the rows are its parameters."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    table = MetricRollup.__table__
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[*KEY_COLUMNS, "kind"],
        set_={name: table.c[name] + statement.excluded[name] for name in COUNT_COLUMNS},
    )


def recomputed(session: Session, *, workspace_id: int) -> Select[Any]:
    """The rollup rows of one workspace computed from raw answers, by the definition above."""
    score = SurveyAnswer.number
    kind = SurveyQuestion.type

    def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.sum(case((condition, 1), else_=0))

    sums: dict[str, ColumnElement[Any]] = {
        "answer_count": func.count(),
        "promoters": flag((kind == "nps") & (score >= NPS_PROMOTER_MIN)),
        "passives": flag(
            (kind == "nps") & (score > NPS_DETRACTOR_MAX) & (score < NPS_PROMOTER_MIN)
        ),
        "detractors": flag((kind == "nps") & (score <= NPS_DETRACTOR_MAX)),
        "top_box": flag((kind == "csat") & (score >= CSAT_SATISFIED_MIN)),
        "agree": flag((kind == "ces") & (score >= CES_AGREE_MIN)),
        "score_sum": func.sum(score),
        "score_sum_squares": func.sum(score * score),
    }
    keys: dict[str, Any] = {
        "workspace_id": SurveyResponse.workspace_id,
        "day": _utc_day(session),
        "question_id": SurveyAnswer.question_id,
        "channel_id": func.coalesce(SurveyResponse.channel_id, NO_DIMENSION),
        "touchpoint_id": func.coalesce(SurveyResponse.touchpoint_id, NO_DIMENSION),
        "language": SurveyResponse.language,
        "survey_id": SurveyResponse.survey_id,
        "kind": kind,
    }
    return (
        select(
            *(column.label(name) for name, column in keys.items()),
            *(column.label(name) for name, column in sums.items()),
        )
        .select_from(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(
            SurveyAnswer.workspace_id == workspace_id,
            SurveyResponse.workspace_id == workspace_id,
            SurveyAnswer.number.is_not(None),
            kind.in_(ROLLUP_KINDS),
        )
        .group_by(*keys.values())
    )


def rebuild(session: Session, *, workspace_id: int, actor: Actor) -> int:
    """Replace the workspace's rollup rows by a recomputation; returns the answers counted.

    On PostgreSQL the table is locked first, so a response written meanwhile is either in the
    recomputation or waits and adds itself afterwards — never both, never neither.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE metric_rollups IN EXCLUSIVE MODE"))
    session.execute(delete(MetricRollup).where(MetricRollup.workspace_id == workspace_id))
    source = recomputed(session, workspace_id=workspace_id)
    # In the primary key's order, so that on PostgreSQL (whose table is a heap) the rows of
    # one metric and day range are neighbours on disk, as the dashboards read them.
    primary_key = MetricRollup.__table__.primary_key
    key_order = [source.selected_columns[column.name] for column in primary_key]
    source = source.order_by(*key_order)
    columns = [*KEY_COLUMNS, "survey_id", "kind", *COUNT_COLUMNS]
    session.execute(
        MetricRollup.__table__.insert().from_select(columns, source)  # type: ignore[attr-defined]
    )
    answers = session.scalar(
        select(func.coalesce(func.sum(MetricRollup.answer_count), 0)).where(
            MetricRollup.workspace_id == workspace_id
        )
    )
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="metrics.rebuild",
        object_type="workspace",
        object_id=workspace_id,
        details={"answers": int(answers or 0)},
    )
    return int(answers or 0)


def stored_rows(session: Session, *, workspace_id: int) -> dict[RollupKey, tuple[int, ...]]:
    """The workspace's non-empty rollup rows, keyed like `contribution`, for comparisons."""
    columns = [getattr(MetricRollup, name) for name in (*KEY_COLUMNS, *COUNT_COLUMNS)]
    rows = session.execute(
        select(*columns).where(
            MetricRollup.workspace_id == workspace_id, MetricRollup.answer_count != 0
        )
    )
    return _keyed(rows)


def recomputed_rows(session: Session, *, workspace_id: int) -> dict[RollupKey, tuple[int, ...]]:
    """`stored_rows` as a recomputation from raw answers would give them."""
    source = recomputed(session, workspace_id=workspace_id).subquery()
    rows = session.execute(select(*(source.c[name] for name in (*KEY_COLUMNS, *COUNT_COLUMNS))))
    return _keyed(rows)


def _keyed(rows: Iterable[Any]) -> dict[RollupKey, tuple[int, ...]]:
    width = len(KEY_COLUMNS)
    keyed: dict[RollupKey, tuple[int, ...]] = {}
    for row in rows:
        workspace_id, day, question_id, channel_id, touchpoint_id, language = row[:width]
        key = (
            int(workspace_id),
            day if isinstance(day, date) else date.fromisoformat(str(day)),
            int(question_id),
            int(channel_id),
            int(touchpoint_id),
            str(language),
        )
        keyed[key] = tuple(int(value) for value in row[width:])
    return keyed


def _utc_day(session: Session) -> ColumnElement[date]:
    """The UTC calendar day of `submitted_at` on either engine."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", SurveyResponse.submitted_at), Date)
    # SQLite stores UTC as naive ISO text, so its first ten characters are the day.
    return type_coerce(func.date(SurveyResponse.submitted_at), Date)
