"""``analyze``: every text annotation for a batch of texts in one vectorised pass.

Language, clause split, one sentiment pass over all clauses of the batch (text scores are
the sum of clause features), topics with the sentiment of the clause they sit in, then the
rule-based intent, emotion, key phrases and urgency.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nabd.text.backend import TextBackend, default_backend
from nabd.text.intent import classify_emotion, classify_intent, find_cues, needs_reply
from nabd.text.keyphrases import as_written, extract_key_phrases
from nabd.text.language import identify_languages
from nabd.text.normalize import normalize_for_analysis, tokenize
from nabd.text.segment import Segment, split_clauses
from nabd.text.sentiment import SENTIMENT_LABELS
from nabd.text.topics import Taxonomy, TopicMatch, default_taxonomy

# A text is "mixed" when it has a clause leaning each way at least this much (score −1…1).
MIXED_CLAUSE_SCORE = 0.3


@dataclass(frozen=True, slots=True)
class SentenceAnnotation:
    """A clause with its span in the original text and its sentiment."""

    text: str
    start: int
    end: int
    sentiment: str
    score: float


@dataclass(frozen=True, slots=True)
class TopicAnnotation:
    """A topic found in the text, the sentiment of its clauses and the matched spans."""

    topic: str
    sentiment: str
    score: float
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class TextAnnotation:
    """Everything nabd derives from one text; ``as_dict`` is the stored/API shape."""

    language: str
    script: str
    arabizi: bool
    sentiment: str
    sentiment_score: float
    sentences: tuple[SentenceAnnotation, ...]
    topics: tuple[TopicAnnotation, ...]
    intent: str | None
    emotion: str | None
    key_phrases: tuple[str, ...]
    urgent: bool | None
    model_version: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of the annotation (API response and ``feedback`` storage)."""
        return {
            "language": self.language,
            "sentiment": {"label": self.sentiment, "score": self.sentiment_score},
            "topics": [
                {
                    "topic": topic.topic,
                    "sentiment": topic.sentiment,
                    "score": topic.score,
                    "spans": [list(span) for span in topic.spans],
                }
                for topic in self.topics
            ],
            "intent": self.intent,
            "emotion": self.emotion,
            "key_phrases": list(self.key_phrases),
            "sentences": [
                {
                    "text": sentence.text,
                    "start": sentence.start,
                    "end": sentence.end,
                    "sentiment": sentence.sentiment,
                    "score": sentence.score,
                }
                for sentence in self.sentences
            ],
            "urgent": self.urgent,
            "arabizi": self.arabizi,
            "script": self.script,
            "model_version": self.model_version,
        }


def analyze(
    texts: Sequence[str],
    *,
    taxonomy: Taxonomy | Mapping[str, Any] | None = None,
    backend: TextBackend | None = None,
    details: bool = True,
) -> list[TextAnnotation]:
    """Annotate a batch of texts; the result has one annotation per text, in input order.

    ``taxonomy`` is a :class:`Taxonomy` or its JSON shape (a workspace's edited taxonomy);
    ``backend`` replaces the default linear sentiment model. ``details=False`` skips the
    rule-based intent, emotion, key phrases and urgency (reported as ``None``/empty), for
    bulk re-scoring when only language, sentiment and topics changed.
    """
    texts = [text or "" for text in texts]
    active_taxonomy = _as_taxonomy(taxonomy)
    active_backend = backend or default_backend()
    languages = identify_languages(texts)
    clauses_per_text = [split_clauses(text) for text in texts]
    document_probabilities, clause_probabilities = active_backend.score_documents(
        [[clause.text for clause in clauses] for clauses in clauses_per_text]
    )
    clause_scores = clause_probabilities[:, 2] - clause_probabilities[:, 0]
    document_scores = document_probabilities[:, 2] - document_probabilities[:, 0]
    model_version = f"{active_backend.name}/{active_backend.version}"

    annotations: list[TextAnnotation] = []
    first_clause = 0
    for index, (text, clauses) in enumerate(zip(texts, clauses_per_text, strict=True)):
        rows = slice(first_clause, first_clause + len(clauses))
        first_clause += len(clauses)
        sentences = tuple(
            SentenceAnnotation(
                clause.text,
                clause.start,
                clause.end,
                _label(probabilities),
                round(float(score), 3),
            )
            for clause, probabilities, score in zip(
                clauses, clause_probabilities[rows], clause_scores[rows], strict=True
            )
        )
        if clauses:
            label = _text_label(document_probabilities[index], clause_scores[rows])
            score = round(float(document_scores[index]), 3)
        else:
            label, score = "neutral", 0.0
        topics = _topic_annotations(active_taxonomy.find(text), clauses, clause_probabilities[rows])
        intent: str | None = None
        emotion: str | None = None
        key_phrases: tuple[str, ...] = ()
        urgent: bool | None = None
        if details:
            normalized = normalize_for_analysis(text)
            cues = find_cues(normalized, tokenize(normalized))
            intent = classify_intent(cues, score=score)
            emotion = classify_emotion(cues)
            key_phrases = tuple(as_written(text, extract_key_phrases(normalized)))
            urgent = needs_reply(cues, intent=intent, score=score)
        annotations.append(
            TextAnnotation(
                language=languages[index].language,
                script=languages[index].script,
                arabizi=languages[index].arabizi,
                sentiment=label,
                sentiment_score=score,
                sentences=sentences,
                topics=topics,
                intent=intent,
                emotion=emotion,
                key_phrases=key_phrases,
                urgent=urgent,
                model_version=model_version,
            )
        )
    return annotations


def _as_taxonomy(taxonomy: Taxonomy | Mapping[str, Any] | None) -> Taxonomy:
    if taxonomy is None:
        return default_taxonomy()
    if isinstance(taxonomy, Taxonomy):
        return taxonomy
    return Taxonomy.from_dict(taxonomy)


def _label(probabilities: np.ndarray) -> str:
    return SENTIMENT_LABELS[int(probabilities.argmax())]


def _text_label(probabilities: np.ndarray, clause_scores: np.ndarray) -> str:
    """The text's label, or "mixed" when one clause is clearly positive and another negative."""
    if clause_scores.size > 1 and (
        clause_scores.max() >= MIXED_CLAUSE_SCORE and clause_scores.min() <= -MIXED_CLAUSE_SCORE
    ):
        return "mixed"
    return _label(probabilities)


def _topic_annotations(
    matches: list[TopicMatch], clauses: list[Segment], clause_probabilities: np.ndarray
) -> tuple[TopicAnnotation, ...]:
    """One entry per topic, in order of first mention, scored by the clauses it appears in."""
    rows_by_topic: dict[str, list[int]] = {}
    spans_by_topic: dict[str, list[tuple[int, int]]] = {}
    for match in matches:
        clause_row = next(
            (row for row, clause in enumerate(clauses) if clause.start <= match.start < clause.end),
            None,
        )
        rows = rows_by_topic.setdefault(match.topic, [])
        if clause_row is not None and clause_row not in rows:
            rows.append(clause_row)
        spans_by_topic.setdefault(match.topic, []).append((match.start, match.end))
    annotations = []
    for topic, rows in rows_by_topic.items():
        if rows:
            probabilities = clause_probabilities[rows].mean(axis=0)
            label = _label(probabilities)
            score = round(float(probabilities[2] - probabilities[0]), 3)
        else:
            label, score = "neutral", 0.0
        annotations.append(TopicAnnotation(topic, label, score, tuple(spans_by_topic[topic])))
    return tuple(annotations)
