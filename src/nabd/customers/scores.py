"""A customer's NPS, CSAT and CES answers: the latest of each and their history.

Read from the customer's survey responses (the answers to questions of those types), newest
first, in one query; the profile page and `GET /api/v1/customers/{id}` show the same data.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from nabd.core.i18n import N_
from nabd.surveys.models import SurveyAnswer, SurveyQuestion, SurveyResponse

SCORE_TYPES = ("nps", "csat", "ces")
METRIC_LABELS = {"nps": N_("NPS"), "csat": N_("CSAT"), "ces": N_("CES")}
NPS_BUCKET_LABELS = {
    "promoter": N_("Promoter"),
    "passive": N_("Passive"),
    "detractor": N_("Detractor"),
}
DEFAULT_HISTORY = 30
NPS_BUCKET_RANGES = {"promoter": (9, 10), "passive": (7, 8), "detractor": (0, 6)}


def nps_bucket(score: int) -> str:
    """Promoters answer 9–10, passives 7–8, detractors 0–6 (see docs/how-we-compute/nps.md)."""
    if score >= 9:
        return "promoter"
    return "passive" if score >= 7 else "detractor"


@dataclass(frozen=True)
class Score:
    metric: str
    value: int
    at: datetime
    survey_id: int
    response_id: int

    @property
    def bucket(self) -> str | None:
        return nps_bucket(self.value) if self.metric == "nps" else None


@dataclass(frozen=True)
class CustomerScores:
    latest: dict[str, Score]
    history: list[Score]


def _answers(
    *, workspace_id: int, customer_ids: Iterable[int] | None = None
) -> Select[str, int | None, datetime, int, int]:
    statement = (
        select(
            SurveyQuestion.type,
            SurveyAnswer.number,
            SurveyResponse.submitted_at,
            SurveyResponse.survey_id,
            SurveyResponse.id,
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(
            SurveyAnswer.workspace_id == workspace_id,
            SurveyResponse.workspace_id == workspace_id,
            SurveyQuestion.type.in_(SCORE_TYPES),
            SurveyAnswer.number.is_not(None),
        )
    )
    if customer_ids is not None:
        statement = statement.where(SurveyResponse.customer_id.in_(list(customer_ids)))
    return statement


def customer_scores(
    session: Session, *, workspace_id: int, customer_id: int, limit: int = DEFAULT_HISTORY
) -> CustomerScores:
    """The latest score of each metric and the last `limit` scores, newest first."""
    rows = session.execute(
        _answers(workspace_id=workspace_id, customer_ids=[customer_id])
        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
        .limit(limit)
    )
    history = [
        Score(metric=metric, value=value, at=at, survey_id=survey_id, response_id=response_id)
        for metric, value, at, survey_id, response_id in rows
        if value is not None  # excluded by the query; tells the type checker
    ]
    latest: dict[str, Score] = {}
    for score in history:
        latest.setdefault(score.metric, score)
    return CustomerScores(latest=latest, history=history)


def response_scores(
    session: Session, *, workspace_id: int, response_ids: list[int]
) -> dict[int, dict[str, int]]:
    """{response id: {metric: value}} for timeline entries."""
    if not response_ids:
        return {}
    rows = session.execute(
        _answers(workspace_id=workspace_id).where(SurveyResponse.id.in_(response_ids))
    )
    scores: dict[int, dict[str, int]] = {}
    for metric, value, _at, _survey_id, response_id in rows:
        if value is not None:  # excluded by the query; tells the type checker
            scores.setdefault(response_id, {})[metric] = value
    return scores


def customers_in_nps_bucket(*, workspace_id: int, bucket: str) -> Select[int | None]:
    """Ids of the customers whose latest NPS answer falls in `bucket`, for list filters."""
    low, high = NPS_BUCKET_RANGES[bucket]
    latest = latest_scores(workspace_id=workspace_id, metric="nps")
    return select(latest.c.customer_id).where(latest.c.score.between(low, high))


def latest_scores(*, workspace_id: int, metric: str) -> Any:
    """A subquery of (customer_id, score): each customer's latest `metric` answer.

    For list filters and segment conditions on the latest NPS, CSAT or CES. Ranks the
    workspace's answers per customer (a window function, on both engines), so the cost
    follows the number of answers, not the number of customers.
    """
    ranked = (
        select(
            SurveyResponse.customer_id.label("customer_id"),
            SurveyAnswer.number.label("score"),
            func.row_number()
            .over(
                partition_by=SurveyResponse.customer_id,
                order_by=(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc()),
            )
            .label("rank"),
        )
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(
            SurveyAnswer.workspace_id == workspace_id,
            SurveyResponse.workspace_id == workspace_id,
            SurveyResponse.customer_id.is_not(None),
            SurveyQuestion.type == metric,
            SurveyAnswer.number.is_not(None),
        )
        .subquery()
    )
    return select(ranked.c.customer_id, ranked.c.score).where(ranked.c.rank == 1).subquery()
