"""Demo surveys: post-purchase NPS, post-support CSAT + CES and onboarding CES, with answers.

Comments are real public-dataset texts (demo_texts.csv); each score is drawn to agree with the
text's sentiment label, so results, feedback and text analytics tell one consistent story.
Each survey also has an anonymous link (its QR code and widget) and a history of personal
invitations by e-mail, SMS and WhatsApp, some of them answered by the responses above, so the
response rate per channel has something to show. They are written as already sent: loading the
demo sends nothing.
"""

import csv
import random
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.journeys.service import list_channels
from nabd.metrics import rollups
from nabd.surveys import service
from nabd.surveys.invitations import TOKEN_BYTES, personal_link
from nabd.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyDistribution,
    SurveyInvitation,
    SurveyResponse,
)
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


# The share of responses with a customer that came through a personal invitation, and per
# invitation channel its share of those and how many of its invitations were answered
# (illustrative rates, differing by channel: e-mail lowest, WhatsApp highest).
INVITED_SHARE = 0.35
INVITATION_CHANNELS = {"email": (0.5, 0.18), "sms": (0.3, 0.27), "whatsapp": (0.2, 0.41)}
# Of the unanswered invitations: opened but not answered, and never delivered.
OPENED_SHARE = 0.3
FAILED_SHARE = 0.04
PROVIDER_ERRORS = {
    "email": "550 5.1.1 mailbox unavailable",
    "sms": "provider answered 400: number not reachable",
    "whatsapp": "provider answered 400: not a WhatsApp number",
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
        _distribution_history(session, survey, stored, customer_ids, rng, now)
        rollups.record_responses(session, survey=survey, responses=stored)
        for response in stored:
            record_texts_as_feedback(session, survey=survey, response=response)
        total += len(stored)
    return total


def _distribution_history(
    session: Session,
    survey: Survey,
    responses: Sequence[SurveyResponse],
    customer_ids: Sequence[int],
    rng: random.Random,
    now: datetime,
) -> None:
    """The survey's anonymous link, and invitations: answered ones joined to some of
    `responses` (the response then carries the invitation's link), and as many unanswered
    as each channel's rate implies, sent, opened or failed over the same history."""
    session.add(
        SurveyDistribution(
            workspace_id=survey.workspace_id,
            survey_id=survey.id,
            kind="link",
            token=secrets.token_urlsafe(TOKEN_BYTES),
        )
    )
    channels = list(INVITATION_CHANNELS)
    shares = [share for share, _ in INVITATION_CHANNELS.values()]
    answered: list[tuple[SurveyResponse, str, SurveyDistribution]] = []
    for response in responses:
        if response.customer_id is None or rng.random() >= INVITED_SHARE:
            continue
        channel = rng.choices(channels, shares)[0]
        link = personal_link(survey, response.customer_id, channel, response.language)
        answered.append((response, channel, link))
    unanswered: list[tuple[str, datetime, SurveyDistribution]] = []
    for channel, (_share, rate) in INVITATION_CHANNELS.items():
        count = sum(1 for _, used, _ in answered if used == channel)
        for _ in range(round(count * (1 - rate) / rate)):
            sent_at = now - timedelta(days=rng.uniform(0, HISTORY_DAYS))
            language = "ar" if rng.random() < 0.7 else "en"
            link = personal_link(survey, rng.choice(customer_ids), channel, language)
            unanswered.append((channel, sent_at, link))
    session.add_all([link for *_, link in answered] + [link for *_, link in unanswered])
    session.flush()
    invitations: list[SurveyInvitation] = []
    for response, channel, link in answered:
        response.invitation_id = link.id
        sent_at = response.submitted_at - timedelta(hours=rng.uniform(0.5, 48))
        invitations.append(
            _invitation(survey, link, channel, sent_at, "answered", response.submitted_at)
        )
    for channel, sent_at, link in unanswered:
        draw = rng.random()
        opened = draw < FAILED_SHARE + OPENED_SHARE
        status = "failed" if draw < FAILED_SHARE else "opened" if opened else "sent"
        invitations.append(_invitation(survey, link, channel, sent_at, status, None))
    # In the order they were sent, as they would have been created.
    invitations.sort(key=lambda invitation: invitation.due_at)
    session.add_all(invitations)


def _invitation(
    survey: Survey,
    link: SurveyDistribution,
    channel: str,
    sent_at: datetime,
    status: str,
    answered_at: datetime | None,
) -> SurveyInvitation:
    failed = status == "failed"
    return SurveyInvitation(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        distribution_id=link.id,
        customer_id=link.customer_id,
        channel=channel,
        language=link.language,
        status=status,
        due_at=sent_at,
        sent_at=None if failed else sent_at,  # a failed send reached nobody
        opened_at=None if failed or status == "sent" else sent_at + timedelta(minutes=20),
        answered_at=answered_at,
        error=PROVIDER_ERRORS[channel] if failed else None,
    )
