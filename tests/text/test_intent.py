"""Rule-based intent, emotion, urgency and key phrases."""

import pytest

from nabd.text.keyphrases import extract_key_phrases
from nabd.text.normalize import normalize_for_analysis
from nabd.text.pipeline import analyze


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("اتمنى تضيفون خيارات دفع أكثر في التطبيق", "suggestion"),
        ("It would be nice to have more vegetarian options", "suggestion"),
        ("متى يفتح الفرع؟", "question"),
        ("how do I change my booking", "question"),
        ("الخدمة زفت والموظف وقح", "complaint"),
        ("worst airline ever, never again", "complaint"),
        ("شكرا لكم الخدمة ممتازة", "praise"),
        ("Thank you, the crew was amazing", "praise"),
    ],
)
def test_intent(text: str, intent: str) -> None:
    assert analyze([text])[0].intent == intent


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("انا معصب جدا من التأخير 😡", "anger"),
        ("مبسوط مره من الخدمة", "joy"),
        ("للاسف تجربة محبطة", "sadness"),
        ("I'm worried my bag is lost", "fear"),
        ("wow I did not expect that", "surprise"),
        ("I trust this company, always reliable", "trust"),
        ("the order number is 123", "none"),
    ],
)
def test_emotion(text: str, emotion: str) -> None:
    assert analyze([text])[0].emotion == emotion


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("ابي استرجاع المبلغ", True),
        ("I want a refund", True),
        ("where is my order?", True),
        ("worst service ever, absolutely terrible", True),
        ("the food was nice", False),
    ],
)
def test_urgency(text: str, urgent: bool) -> None:
    assert analyze([text])[0].urgent is urgent


def test_key_phrases_skip_stop_words_and_fold_letters() -> None:
    phrases = extract_key_phrases(
        normalize_for_analysis("الخدمة في الفرع بطيئة جدا، والموظف ما رد")
    )
    assert "الخدمه" in phrases
    assert all(phrase.split()[0] not in {"في", "جدا", "ما"} for phrase in phrases)


def test_key_phrases_rank_longer_runs_first() -> None:
    phrases = extract_key_phrases(normalize_for_analysis("lost luggage claim, again"))
    assert phrases[0] == "lost luggage claim"
