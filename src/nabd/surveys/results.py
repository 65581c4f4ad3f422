"""Results of one survey: volume over time, per-question summaries and each open question's
latest comments (apart, since "what went wrong?" and "what did you like?" read differently).

Aggregation happens in SQL (counts per value), the metrics in nabd.metrics.estimates, so the
page reads a handful of grouped rows whatever the number of responses.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.sql import month_bucket
from nabd.metrics.estimates import (
    CSAT_SATISFIED_MIN,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER_MIN,
    MetricEstimate,
    ces_mean_from_sums,
    csat_from_counts,
    mean_from_sums,
    nps_from_counts,
)
from nabd.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from nabd.surveys.responses import ResponseFilters, response_conditions
from nabd.surveys.service import scale_of

# The latest comments shown for each open-text question.
LATEST_COMMENTS = 8


@dataclass
class QuestionSummary:
    question: SurveyQuestion
    answered: int = 0
    estimate: MetricEstimate | None = None
    # (value, count) in scale or option order; the value is a number or an option key.
    distribution: list[tuple[Any, int]] = field(default_factory=list)
    nps_groups: dict[str, int] = field(default_factory=dict)
    # Matrix questions: (row key, mean, n) per row.
    row_means: list[tuple[str, float | None, int]] = field(default_factory=list)
    # Open-text questions: the latest comments, newest first.
    comments: list["Comment"] = field(default_factory=list)


@dataclass(frozen=True)
class Comment:
    question_id: int
    text: str
    language: str
    submitted_at: datetime


@dataclass
class SurveyResults:
    response_count: int
    completed_count: int
    by_month: list[tuple[str, int]]
    questions: list[QuestionSummary]


def _filtered(survey: Survey, filters: ResponseFilters) -> list[Any]:
    scoped = ResponseFilters(**{**filters.__dict__, "survey_id": survey.id})
    return [SurveyResponse.workspace_id == survey.workspace_id, *response_conditions(scoped)]


def survey_results(session: Session, *, survey: Survey, filters: ResponseFilters) -> SurveyResults:
    where = _filtered(survey, filters)
    total, completed = session.execute(
        select(func.count(SurveyResponse.id), func.count(SurveyResponse.completed_at)).where(*where)
    ).one()
    month = month_bucket(SurveyResponse.submitted_at, session.get_bind().dialect.name)
    by_month = [
        (str(bucket), count)
        for bucket, count in session.execute(
            select(month, func.count(SurveyResponse.id))
            .where(*where)
            .group_by(month)
            .order_by(month)
        )
    ]
    answers = (
        select(SurveyAnswer)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(*where, SurveyAnswer.workspace_id == survey.workspace_id)
    )
    numbers: dict[int, Counter[int]] = defaultdict(Counter)
    for question_id, number, count in session.execute(
        answers.with_only_columns(SurveyAnswer.question_id, SurveyAnswer.number, func.count())
        .where(SurveyAnswer.number.is_not(None))
        .group_by(SurveyAnswer.question_id, SurveyAnswer.number)
    ):
        if number is not None:
            numbers[question_id][number] = count
    by_type = defaultdict(list)
    for question in survey.questions:
        by_type[question.type].append(question.id)
    single: dict[int, Counter[str]] = defaultdict(Counter)
    if by_type["single_choice"]:
        for question_id, text, count in session.execute(
            answers.with_only_columns(SurveyAnswer.question_id, SurveyAnswer.text, func.count())
            .where(SurveyAnswer.question_id.in_(by_type["single_choice"]))
            .group_by(SurveyAnswer.question_id, SurveyAnswer.text)
        ):
            if text is not None:
                single[question_id][text] = count
    texts: Counter[int] = Counter()
    if by_type["text"]:
        for question_id, count in session.execute(
            answers.with_only_columns(SurveyAnswer.question_id, func.count())
            .where(SurveyAnswer.question_id.in_(by_type["text"]), SurveyAnswer.text.is_not(None))
            .group_by(SurveyAnswer.question_id)
        ):
            texts[question_id] = count
    structured: dict[int, list[Any]] = defaultdict(list)
    structured_ids = by_type["multiple_choice"] + by_type["matrix"]
    if structured_ids:
        for question_id, choices in session.execute(
            answers.with_only_columns(SurveyAnswer.question_id, SurveyAnswer.choices).where(
                SurveyAnswer.question_id.in_(structured_ids)
            )
        ):
            structured[question_id].append(choices)
    summaries = [
        _summary(
            question,
            numbers[question.id],
            single[question.id],
            structured[question.id],
            texts[question.id],
        )
        for question in survey.questions
    ]
    for summary in summaries:
        if summary.question.type == "text" and summary.answered:
            summary.comments = _comments(session, answers, summary.question.id)
    return SurveyResults(total, completed, by_month, summaries)


def _comments(session: Session, answers: Any, question_id: int) -> list[Comment]:
    """One question's latest comments, newest first."""
    rows = session.execute(
        answers.with_only_columns(
            SurveyAnswer.question_id,
            SurveyAnswer.text,
            SurveyResponse.language,
            SurveyResponse.submitted_at,
        )
        .where(SurveyAnswer.question_id == question_id, SurveyAnswer.text.is_not(None))
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
        .limit(LATEST_COMMENTS)
    )
    return [Comment(qid, text, language, at) for qid, text, language, at in rows]


def _sums(counts: Counter[int]) -> tuple[int, float, float]:
    n = sum(counts.values())
    total = float(sum(value * count for value, count in counts.items()))
    squares = float(sum(value * value * count for value, count in counts.items()))
    return n, total, squares


def _summary(
    question: SurveyQuestion,
    numbers: Counter[int],
    single: Counter[str],
    structured: list[Any],
    text_count: int,
) -> QuestionSummary:
    summary = QuestionSummary(question=question)
    scale = scale_of(question)
    if question.type in ("nps", "csat", "ces", "rating") and scale:
        summary.distribution = [(value, numbers[value]) for value in range(scale[0], scale[1] + 1)]
        n, total, squares = _sums(numbers)
        summary.answered = n
        if question.type == "nps":
            groups = {
                "promoters": sum(c for v, c in numbers.items() if v >= NPS_PROMOTER_MIN),
                "detractors": sum(c for v, c in numbers.items() if v <= NPS_DETRACTOR_MAX),
            }
            groups["passives"] = n - groups["promoters"] - groups["detractors"]
            summary.nps_groups = groups
            summary.estimate = nps_from_counts(**groups)
        elif question.type == "csat":
            satisfied = sum(c for v, c in numbers.items() if v >= CSAT_SATISFIED_MIN)
            summary.estimate = csat_from_counts(satisfied=satisfied, total=n)
        elif question.type == "ces":
            summary.estimate = ces_mean_from_sums(count=n, value_sum=total, sum_of_squares=squares)
        else:
            summary.estimate = mean_from_sums(
                count=n, value_sum=total, sum_of_squares=squares, scale=scale
            )
    elif question.type == "single_choice":
        keys = [option["key"] for option in question.settings.get("options", [])]
        summary.distribution = [(key, single[key]) for key in keys]
        summary.answered = sum(single.values())
    elif question.type == "multiple_choice":
        keys = [option["key"] for option in question.settings.get("options", [])]
        chosen = Counter(key for answer in structured for key in answer)
        summary.distribution = [(key, chosen[key]) for key in keys]
        summary.answered = len(structured)
    elif question.type == "matrix":
        summary.answered = len(structured)
        for row in question.settings.get("rows", []):
            scores = [answer[row["key"]] for answer in structured if row["key"] in answer]
            mean = sum(scores) / len(scores) if scores else None
            summary.row_means.append((row["key"], mean, len(scores)))
    elif question.type == "text":
        summary.answered = text_count
    return summary
