"""Weak sentiment labels from a workspace's own data, for ``nabd text train``.

Every survey comment arrives with its NPS/CSAT score and every review with its stars: the
score says how the customer felt, so it labels the text. Analysts' corrections are stronger
evidence and override the weak label of the same text.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.feedback.models import FeedbackItem
from nabd.text.sentiment import SENTIMENT_LABELS

RATED_SOURCES = ("survey", "review")
# Shorter texts ("ok", "👍") say too little to learn words from.
MIN_TEXT_LENGTH = 3
# An analyst's correction counts as this many weak labels.
CORRECTION_WEIGHT = 3.0


@dataclass(frozen=True, slots=True)
class LabelledExample:
    text: str
    label: str
    weight: float = 1.0
    origin: str = "rating"


def label_for_rating(rating: Decimal | float, scale_max: int) -> str:
    """The sentiment a score implies.

    On 0–10 scales the NPS bands (0–6 detractor, 7–8 passive, 9–10 promoter); on shorter
    scales (stars, CSAT) up to two-fifths is negative and from four-fifths positive
    (on 1–5: 1–2 negative, 3 neutral, 4–5 positive).
    """
    share = float(rating) / scale_max
    if scale_max >= 10:
        return "negative" if share <= 0.6 else "positive" if share >= 0.9 else "neutral"
    return "negative" if share <= 0.4 else "positive" if share >= 0.8 else "neutral"


def rated_examples(session: Session, *, workspace_id: int) -> list[LabelledExample]:
    """Survey comments and reviews that carry a score, labelled by it."""
    rows = session.execute(
        select(FeedbackItem.text, FeedbackItem.rating, FeedbackItem.rating_scale_max).where(
            FeedbackItem.workspace_id == workspace_id,
            FeedbackItem.source.in_(RATED_SOURCES),
            FeedbackItem.rating.is_not(None),
            FeedbackItem.rating_scale_max.is_not(None),
        )
    )
    return [
        LabelledExample(text, label_for_rating(rating, scale_max))
        for text, rating, scale_max in rows
        if rating is not None and scale_max and len(text.strip()) >= MIN_TEXT_LENGTH
    ]


def sentiment_corrections(
    corrections: Iterable[tuple[str, str, object]],
) -> list[LabelledExample]:
    """Analysts' sentiment corrections as ``(text, field, value)``, other fields ignored."""
    return [
        LabelledExample(text, str(value), CORRECTION_WEIGHT, "correction")
        for text, field, value in corrections
        if field == "sentiment" and value in SENTIMENT_LABELS
    ]


def assemble(
    rated: Iterable[LabelledExample], extra: Iterable[LabelledExample] = ()
) -> list[LabelledExample]:
    """One example per distinct text; a correction (``extra``) replaces the weak label."""
    by_text: dict[str, LabelledExample] = {}
    for example in rated:
        by_text.setdefault(example.text.strip(), example)
    for example in extra:
        by_text[example.text.strip()] = example
    return list(by_text.values())
