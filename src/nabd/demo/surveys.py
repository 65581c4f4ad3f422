"""Demo surveys: post-purchase NPS, post-support CSAT + CES and onboarding CES, with answers.

Comments are real public-dataset texts (demo_texts.csv); each score is drawn to agree with the
text's sentiment label, so results, feedback and text analytics tell one consistent story.
"""

import csv
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.journeys.service import list_channels
from nabd.metrics import rollups
from nabd.surveys import service
from nabd.surveys.models import Survey, SurveyAnswer, SurveyResponse
from nabd.surveys.responses import record_texts_as_feedback
from nabd.surveys.schemas import SurveyIn

HISTORY_DAYS = 548
COMMENT_SHARE = 0.6
# Score weights per sentiment label, for each scale.
NPS_WEIGHTS = {
    "positive": {10: 45, 9: 35, 8: 15, 7: 5},
    "neutral": {8: 30, 7: 35, 6: 20, 5: 15},
    "negative": {0: 10, 1: 10, 2: 15, 3: 20, 4: 20, 5: 15, 6: 10},
}
CSAT_WEIGHTS = {
    "positive": {5: 60, 4: 35, 3: 5},
    "neutral": {3: 60, 4: 25, 2: 15},
    "negative": {1: 50, 2: 40, 3: 10},
}
CES_WEIGHTS = {
    "positive": {7: 45, 6: 35, 5: 20},
    "neutral": {5: 40, 4: 40, 3: 20},
    "negative": {1: 30, 2: 35, 3: 25, 4: 10},
}


def _text(ar: str, en: str) -> dict[str, str]:
    return {"ar": ar, "en": en}


DEFINITIONS: tuple[tuple[dict[str, Any], int, tuple[str, ...]], ...] = (
    (
        {
            "title": _text("استبيان ما بعد الشراء", "Post-purchase survey"),
            "status": "active",
            "touchpoint_key": "web_checkout",
            "thank_you": _text("شكرًا لك! رأيك يساعدنا على التحسن.", "Thank you! Your view helps."),
            "questions": [
                {
                    "key": "nps",
                    "type": "nps",
                    "required": True,
                    "text": _text(
                        "ما مدى احتمال أن توصي بمتجر نبض لصديق أو زميل؟",
                        "How likely are you to recommend Nabd Store to a friend or colleague?",
                    ),
                },
                {
                    "key": "what_went_wrong",
                    "type": "text",
                    "condition": {"question": "nps", "op": "lte", "value": 6},
                    "text": _text("ما الذي لم يعجبك؟", "What went wrong?"),
                },
                {
                    "key": "what_you_liked",
                    "type": "text",
                    "condition": {"question": "nps", "op": "gte", "value": 7},
                    "text": _text("ما الذي أعجبك أكثر؟", "What did you like most?"),
                },
            ],
        },
        1500,
        ("web", "app", "store"),
    ),
    (
        {
            "title": _text("استبيان ما بعد الدعم", "Post-support survey"),
            "status": "active",
            "touchpoint_key": "call_support",
            "questions": [
                {
                    "key": "csat",
                    "type": "csat",
                    "required": True,
                    "text": _text(
                        "ما مدى رضاك عن الخدمة التي تلقيتها؟",
                        "How satisfied are you with the help you received?",
                    ),
                },
                {
                    "key": "ces",
                    "type": "ces",
                    "text": _text(
                        "جعل فريق الدعم من السهل عليّ حل مشكلتي.",
                        "The support team made it easy for me to solve my issue.",
                    ),
                },
                {
                    "key": "comment",
                    "type": "text",
                    "text": _text("هل تود إضافة شيء؟", "Anything else to tell us?"),
                },
            ],
        },
        1000,
        ("call_centre", "chat", "whatsapp"),
    ),
    (
        {
            "title": _text("استبيان بداية الاستخدام", "Onboarding survey"),
            "status": "active",
            "touchpoint_key": "app_browse",
            "questions": [
                {
                    "key": "ces",
                    "type": "ces",
                    "required": True,
                    "text": _text(
                        "جعل التطبيق من السهل عليّ البدء.",
                        "The app made it easy for me to get started.",
                    ),
                },
                {
                    "key": "comment",
                    "type": "text",
                    "text": _text(
                        "ما الذي يمكن أن يسهّل البداية؟", "What would make starting easier?"
                    ),
                },
            ],
        },
        500,
        ("app", "web"),
    ),
)


def demo_texts() -> list[dict[str, str]]:
    """The shipped public-dataset sample the demo's texts come from."""
    source = files("nabd.demo") / "data" / "demo_texts.csv"
    with source.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _draw(rng: random.Random, weights: dict[int, int]) -> int:
    return rng.choices(list(weights), list(weights.values()))[0]


def _scores(survey: Survey, sentiment: str, rng: random.Random) -> dict[str, int]:
    tables = {"nps": NPS_WEIGHTS, "csat": CSAT_WEIGHTS, "ces": CES_WEIGHTS}
    return {
        q.key: _draw(rng, tables[q.type][sentiment]) for q in survey.questions if q.type in tables
    }


def load_demo_surveys(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    customer_ids: Sequence[int],
    seed: int = 2026,
) -> int:
    """Create the demo surveys and their responses; returns the number of responses."""
    rng = random.Random(seed)
    channel_ids = {c.key: c.id for c in list_channels(session, workspace_id=workspace_id)}
    texts = demo_texts()
    total = 0
    for definition, count, channels in DEFINITIONS:
        survey = service.create_survey(
            session,
            workspace_id=workspace_id,
            data=SurveyIn.model_validate(definition),
            actor=SYSTEM_ACTOR,
        )
        by_key = {question.key: question for question in survey.questions}
        stored = []
        for _ in range(count):
            row = rng.choice(texts)
            commented = rng.random() < COMMENT_SHARE
            sentiment = row["sentiment"] if row["sentiment"] in NPS_WEIGHTS else "neutral"
            values: dict[int, Any] = {
                by_key[key].id: score for key, score in _scores(survey, sentiment, rng).items()
            }
            if commented:
                key = "comment"
                if "nps" in by_key:
                    key = "what_went_wrong" if values[by_key["nps"].id] <= 6 else "what_you_liked"
                values[by_key[key].id] = row["text"]
            at = now - timedelta(days=rng.uniform(0, HISTORY_DAYS))
            stored.append(
                SurveyResponse(
                    workspace_id=workspace_id,
                    survey_id=survey.id,
                    customer_id=rng.choice(customer_ids) if customer_ids else None,
                    channel_id=channel_ids.get(rng.choice(channels)),
                    touchpoint_id=survey.touchpoint_id,
                    language=row["language"] if row["language"] in ("ar", "en") else "ar",
                    completed=True,
                    submitted_at=at,
                    received_at=at,
                    completed_at=at,
                    progress=sorted(values),
                    answers=[
                        SurveyAnswer(
                            workspace_id=workspace_id,
                            question_id=question_id,
                            number=value if isinstance(value, int) else None,
                            text=value if isinstance(value, str) else None,
                        )
                        for question_id, value in values.items()
                    ],
                )
            )
        session.add_all(stored)
        session.flush()
        rollups.record_responses(session, survey=survey, responses=stored)
        for response in stored:
            record_texts_as_feedback(session, survey=survey, response=response)
        total += len(stored)
    return total
