"""Rule-based intent, emotion and urgency from cue words and the sentiment score.

No labelled intent or emotion data exists in ``shared/data``, so these are transparent rules
(our own cue lists, in analysis form) rather than trained models; they are pinned by tests,
not measured against gold labels.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from nabd.text.normalize import normalize_for_analysis

Intent = Literal["complaint", "praise", "suggestion", "question", "other"]
Emotion = Literal["anger", "joy", "sadness", "fear", "surprise", "trust", "none"]

# Score thresholds on the −1…1 sentiment score.
COMPLAINT_SCORE = -0.3
PRAISE_SCORE = 0.3
STRONG_NEGATIVE_SCORE = -0.6


def _cues(block: str) -> list[str]:
    """Cue lines → cues in analysis form (one word or a multi-word phrase each)."""
    lines = [normalize_for_analysis(line) for line in block.strip().splitlines()]
    return [cue.strip() for line in lines for cue in line.split(",") if cue.strip()]


_QUESTION_WORDS = _cues(
    """
    هل, كيف, متى, وين, فين, ليش, ليه, لماذا, ماذا, شو, ايش, وش, اين, كم سعر, مين
    how, what, when, where, why, which, who, can you, could you, is there, are there, do you
    does it, will you
    """
)
_SUGGESTION_CUES = _cues(
    """
    اقترح, اقتراح, اقتراحي, اتمنى, نتمنى, ياليت, ياريت, يا ليت, يا ريت, حبذا, ليتكم, يفضل
    الافضل لو, لو تضيفون, لو توفرون, ودي لو
    suggest, suggestion, should add, should have, would be nice, would be great, would be better
    please add, wish, consider adding, it would help, need more
    """
)
_COMPLAINT_CUES = _cues(
    """
    شكوى, اشتكي, بشتكي, مشكله, استرجاع, استرداد, تعويض, حرام عليكم, نصب, احتيال
    complaint, complain, refund, compensation, unacceptable, disgrace, scam
    """
)
_URGENT_CUES = _cues(
    """
    استرجاع, استرداد, ارجاع المبلغ, فلوسي, عاجل, ضروري, بسرعه, طوارئ, احتيال, نصب, سرقه, محامي
    شرطه, اختراق, تعويض, الغاء الاشتراك
    refund, money back, urgent, asap, emergency, fraud, scam, stolen, lawyer, legal action
    police, hacked, chargeback, cancel my
    """
)
_EMOTION_CUES: dict[str, list[str]] = {
    "anger": _cues(
        """
        غاضب, غضبان, معصب, عصبت, مقهور, قهر, قهرني, حرام عليكم, مستفز, استفزاز, وقاحه
        😡, 😠, 🤬, 😤
        angry, furious, outraged, pissed, ridiculous, unacceptable, disgusting, livid, fed up
        sick of
        """
    ),
    "joy": _cues(
        """
        سعيد, سعيده, مبسوط, مبسوطه, فرحان, فرحانه, فرحه, فرحت, استمتعت, ممتع, يجنن
        😍, 😊, 😁, 😀, 🥰, ❤
        happy, glad, delighted, love, loved, enjoyed, excited, awesome, yay, 😂
        """
    ),
    "sadness": _cues(
        """
        حزين, حزينه, زعلان, زعلانه, للاسف, خساره, مؤسف, محبط, احباط, خيبه, خاب, 😢, 😭, 💔, 😞
        sad, unfortunately, disappointed, disappointing, upset, heartbroken, miss, depressing
        """
    ),
    "fear": _cues(
        """
        خايف, خايفه, قلق, قلقان, اخاف, خوف, متوتر, مرعب, خطر, خطير, 😨, 😰, 😟
        worried, worry, afraid, scared, anxious, concerned, nervous, fear, unsafe, dangerous
        """
    ),
    "surprise": _cues(
        """
        تفاجات, تفاجئت, مفاجاه, صدمه, مصدوم, انصدمت, معقول, ما توقعت, لم اتوقع, 😮, 😱, 😲
        wow, surprised, surprising, shocked, unbelievable, can't believe, unexpected, omg
        """
    ),
    "trust": _cues(
        """
        اثق, ثقه, موثوق, مضمون, امين, امانه, مصداقيه, اعتمد عليهم, دايما, وفي
        trust, trusted, reliable, trustworthy, dependable, loyal, always, confident, never fails
        """
    ),
}
_CUE_LISTS: dict[str, list[str]] = {
    "question_word": _QUESTION_WORDS,
    "suggestion": _SUGGESTION_CUES,
    "complaint": _COMPLAINT_CUES,
    "urgent": _URGENT_CUES,
    **_EMOTION_CUES,
}
_EMOTIONS = tuple(_EMOTION_CUES)
_QUESTION_MARK = re.compile(r"[?؟]")


def _index_cues() -> tuple[dict[str, list[str]], dict[str, list[tuple[tuple[str, ...], str]]]]:
    """Word cue → its categories; phrase cues under their first word."""
    words: dict[str, list[str]] = {}
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for category, cues in _CUE_LISTS.items():
        for cue in cues:
            parts = tuple(cue.split())
            if len(parts) == 1:
                words.setdefault(cue, []).append(category)
            else:
                phrases.setdefault(parts[0], []).append((parts, category))
    return words, phrases


_CUE_WORDS, _CUE_PHRASES = _index_cues()


@dataclass(frozen=True, slots=True)
class Cues:
    """Cue counts per category in one text, and whether it asks a question."""

    counts: Counter[str]
    asks_question: bool


def find_cues(normalized_text: str, tokens: Sequence[str]) -> Cues:
    """Count every cue category in one pass over the tokens (analysis form)."""
    counts: Counter[str] = Counter()
    question_word_first = False
    for position, token in enumerate(tokens):
        for category in _CUE_WORDS.get(token, ()):
            counts[category] += 1
            question_word_first |= category == "question_word" and position < 2
        for parts, category in _CUE_PHRASES.get(token, ()):
            if tuple(tokens[position : position + len(parts)]) == parts:
                counts[category] += 1
                question_word_first |= category == "question_word" and position < 2
    asks = question_word_first or _QUESTION_MARK.search(normalized_text) is not None
    return Cues(counts, asks)


def classify_intent(cues: Cues, *, score: float) -> Intent:
    """Suggestion cue → suggestion; "?" or a leading question word → question (unless the
    text is strongly negative: "why is it late again?!" is a complaint); negative score or a
    complaint cue → complaint; positive score → praise; else other."""
    if cues.counts["suggestion"] and score > STRONG_NEGATIVE_SCORE:
        return "suggestion"
    if cues.asks_question and score > STRONG_NEGATIVE_SCORE:
        return "question"
    if score <= COMPLAINT_SCORE or (cues.counts["complaint"] and score < PRAISE_SCORE):
        return "complaint"
    if score >= PRAISE_SCORE:
        return "praise"
    return "other"


def classify_emotion(cues: Cues) -> Emotion:
    """The emotion with the most cue words (ties in the order anger, joy, sadness, fear,
    surprise, trust); "none" without any cue: we do not guess emotion from sentiment."""
    best = max(_EMOTIONS, key=lambda emotion: cues.counts[emotion])
    return best if cues.counts[best] else "none"  # type: ignore[return-value]


def needs_reply(cues: Cues, *, intent: Intent, score: float) -> bool:
    """Urgent/actionable: a strongly negative complaint, a direct question, or an urgent cue
    such as "refund" or "استرجاع"."""
    if intent == "question":
        return True
    if intent == "complaint" and score <= STRONG_NEGATIVE_SCORE:
        return True
    return cues.counts["urgent"] > 0
