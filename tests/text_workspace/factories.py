"""Feedback a workspace would hold: rated comments in a telecom operator's own words.

Built from the shipped fixture (tests/fixtures/text) plus the operator's vocabulary, which the
shipped model was never trained on ("الشبكة طايحة", "zero bars"): the realistic case where a
workspace model should win. Deterministic, no randomness.
"""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import cycle, islice
from pathlib import Path

from sqlalchemy.orm import Session

from nabd.feedback.service import record_feedback
from nabd.workspaces.models import Workspace

SHIPPED_FIXTURE = Path(__file__).parents[1] / "fixtures" / "text" / "feedback_samples.jsonl"
# What each label's customers give on NPS (0–10) and star (1–5) scales.
NPS_FOR = {"negative": (0, 3, 5, 6), "neutral": (7, 8), "positive": (9, 10)}
STARS_FOR = {"negative": (1, 2), "neutral": (3,), "positive": (4, 5)}

TELECOM = {
    "negative": [
        "الشبكة طايحة",
        "التغطية صفر",
        "البنق عالي",
        "النت يقطع كل شوي",
        "الباقة تخلص في يومين",
        "signal keeps dropping",
        "zero bars at home",
        "ping through the roof",
        "data runs out in two days",
        "calls drop mid sentence",
    ],
    "neutral": [
        "غيرت الباقة هالشهر",
        "استخدم الشريحة للشغل",
        "حولت رقمي من شركة ثانية",
        "switched to the yearly plan",
        "I use the sim for work",
        "moved my number from another carrier",
    ],
    "positive": [
        "النت طيارة",
        "التغطية فل حتى في البر",
        "الباقة تكفي الشهر كله",
        "5g flies here",
        "full bars everywhere",
        "data lasts all month",
    ],
}
CONTEXTS = {
    "ar": ["", "في البيت", "من امس", "بالرياض", "هالاسبوع", "في الدوام", "وقت الذروة"],
    "en": [
        "",
        "at home",
        "since yesterday",
        "in riyadh",
        "this week",
        "at the office",
        "at peak time",
    ],
}
# Ratings for texts that say nothing about how the customer felt: noise for any model.
UNINFORMATIVE = ["رقم الطلب 123", "order number 123", "ابغى اعرف الرصيد", "what is my balance"]


def telecom_examples(per_label: int = 60) -> list[tuple[str, str]]:
    """``per_label`` (text, label) pairs per sentiment: operator phrases in context."""
    examples: list[tuple[str, str]] = []
    for label, phrases in TELECOM.items():
        variants = [
            f"{phrase} {context}".strip()
            for context_index in range(len(CONTEXTS["ar"]))
            for phrase in phrases
            for context in [CONTEXTS["en" if phrase.isascii() else "ar"][context_index]]
        ]
        examples.extend((text, label) for text in islice(cycle(variants), per_label))
    return examples


def shipped_fixture_examples() -> list[tuple[str, str]]:
    """The labelled sentences of the shipped text fixture."""
    lines = SHIPPED_FIXTURE.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [(row["text"], row["sentiment"]) for row in rows]


def add_rated_feedback(
    session: Session, workspace: Workspace, examples: list[tuple[str, str]]
) -> None:
    """Store each text as a survey comment with an NPS score or a review with stars."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    for index, (text, label) in enumerate(examples):
        survey = index % 3 != 2
        scores = NPS_FOR[label] if survey else STARS_FOR[label]
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="survey" if survey else "review",
            text=text,
            created_at=start + timedelta(minutes=index),
            external_id=f"rated-{index}",
            rating=Decimal(scores[index % len(scores)]),
            rating_scale_max=10 if survey else 5,
        )
    session.commit()


def add_comments(session: Session, workspace: Workspace, texts: list[str]) -> None:
    """Unrated chat messages (not training data; input for discovery)."""
    start = datetime(2026, 11, 2, tzinfo=UTC)
    for index, text in enumerate(texts):
        record_feedback(
            session,
            workspace_id=workspace.id,
            source="chat",
            text=text,
            created_at=start + timedelta(minutes=index),
            external_id=f"chat-{index}",
        )
    session.commit()
