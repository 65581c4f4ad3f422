"""The ``analyze`` contract: shape, order, edge cases and per-topic sentiment."""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from nabd.text.backend import TextBackend
from nabd.text.pipeline import TextAnnotation, analyze

FIXTURE = Path(__file__).parents[1] / "fixtures" / "text" / "feedback_samples.jsonl"
REQUIRED_KEYS = {"language", "sentiment", "topics", "intent", "emotion", "key_phrases"}


def _samples() -> list[dict]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def test_contract_shape() -> None:
    annotation = analyze(["الموظفين محترمين بس السعر غالي"])[0].as_dict()
    assert set(annotation) >= REQUIRED_KEYS
    assert annotation["language"] in {"ar", "en", "mixed", "other"}
    assert set(annotation["sentiment"]) == {"label", "score"}
    assert -1.0 <= annotation["sentiment"]["score"] <= 1.0
    assert all({"topic", "sentiment"} <= set(topic) for topic in annotation["topics"])
    assert json.loads(json.dumps(annotation, ensure_ascii=False)) == annotation


def test_order_is_preserved() -> None:
    texts = ["", "good", "سيء جدا", "😍", "ana mesh 3aref", "The app crashes"]
    annotations = analyze(texts)
    assert len(annotations) == len(texts)
    assert [annotation.language for annotation in annotations] == [
        "other",
        "en",
        "ar",
        "other",
        "ar",
        "en",
    ]
    reversed_annotations = analyze(texts[::-1])
    assert [a.sentiment for a in reversed_annotations] == [a.sentiment for a in annotations][::-1]


def test_empty_text_is_neutral_with_nothing_found() -> None:
    annotation = analyze([""])[0]
    assert (annotation.sentiment, annotation.sentiment_score) == ("neutral", 0.0)
    assert annotation.topics == () and annotation.sentences == () and annotation.key_phrases == ()
    assert annotation.intent == "other" and not annotation.urgent


def test_emoji_only_text() -> None:
    annotation = analyze(["😍😍😍"])[0]
    assert annotation.language == "other"
    assert annotation.sentiment == "positive"
    assert annotation.emotion == "joy"


def test_very_long_text() -> None:
    text = "الخدمة ممتازة والموظفين محترمين. " * 2000
    annotation = analyze([text])[0]
    assert annotation.sentiment == "positive"
    assert len(annotation.sentences) == 2000
    assert annotation.sentences[-1].end <= len(text)


def test_mixed_language_and_mixed_sentiment() -> None:
    annotation = analyze(["The staff were amazing لكن الانتظار طويل والخدمة سيئة"])[0]
    assert annotation.language == "mixed"
    assert annotation.sentiment == "mixed"
    topics = {topic.topic: topic.sentiment for topic in annotation.topics}
    assert topics["staff_behaviour"] == "positive"
    assert topics["speed_waiting"] == "negative"


def test_per_topic_sentiment_follows_its_clause() -> None:
    annotation = analyze(["الأكل لذيذ بس الخدمة زفت"])[0]
    topics = {topic.topic: topic.sentiment for topic in annotation.topics}
    assert topics["food"] == "positive"
    assert [sentence.text for sentence in annotation.sentences] == ["الأكل لذيذ", "بس الخدمة زفت"]


def test_topic_spans_point_into_the_original_text() -> None:
    text = "@delta my bag is lost"
    annotation = analyze([text])[0]
    baggage = next(topic for topic in annotation.topics if topic.topic == "baggage")
    start, end = baggage.spans[0]
    assert text[start:end] == "bag"


def test_taxonomy_can_be_passed_as_json() -> None:
    taxonomy = {"topics": [{"id": "wifi", "phrases": ["wifi", "واي فاي"]}]}
    annotation = analyze(["the wifi is slow"], taxonomy=taxonomy)[0]
    assert [topic.topic for topic in annotation.topics] == ["wifi"]


def test_fixture_sentiment_and_topics() -> None:
    samples = _samples()
    annotations = analyze([sample["text"] for sample in samples])
    sentiment_hits = sum(
        annotation.sentiment == sample["sentiment"]
        for annotation, sample in zip(annotations, samples, strict=True)
    )
    assert sentiment_hits >= 0.85 * len(samples)
    for annotation, sample in zip(annotations, samples, strict=True):
        assert annotation.language == sample["language"], sample["text"]
        assert set(sample["topics"]) <= {topic.topic for topic in annotation.topics}, sample


class _AlwaysPositive:
    """A stand-in backend: proves the pipeline depends only on the protocol."""

    name = "always-positive"
    version = "0"

    def score_documents(self, documents: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        clause_count = sum(len(clauses) for clauses in documents)
        return (
            np.tile([0.0, 0.1, 0.9], (len(documents), 1)),
            np.tile([0.0, 0.1, 0.9], (clause_count, 1)),
        )


def test_backend_can_be_replaced() -> None:
    backend = _AlwaysPositive()
    assert isinstance(backend, TextBackend)
    annotation: TextAnnotation = analyze(["terrible"], backend=backend)[0]
    assert annotation.sentiment == "positive"
    assert annotation.model_version == "always-positive/0"


def test_details_can_be_skipped_for_bulk_rescoring() -> None:
    full, core = analyze(["where is my order?"]), analyze(["where is my order?"], details=False)
    assert core[0].sentiment == full[0].sentiment and core[0].topics == full[0].topics
    assert full[0].intent == "question" and full[0].urgent is True
    assert core[0].as_dict()["intent"] is None and core[0].key_phrases == ()
