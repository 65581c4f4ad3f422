"""Measure the text annotations on the public labelled data (the held-out test parts only).

Sentiment per dataset (accuracy, macro-F1, F1-PN), topic F1 on the airline complaint
reasons, language-ID accuracy on full and three-word texts, throughput and model size.
Wired by the CLI as ``nabd eval text --data ../shared/data``.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nabd.text.backend import TextBackend, default_backend
from nabd.text.datasets import DATASETS, LabelledText, load_dataset
from nabd.text.language import identify_languages
from nabd.text.pipeline import analyze
from nabd.text.segment import split_clauses
from nabd.text.sentiment import DEFAULT_MODEL_DIR, SENTIMENT_LABELS
from nabd.text.topics import DEFAULT_TAXONOMY_PATH, default_taxonomy

# Airline complaint reasons → our topic ids ("Can't Tell" has no topic).
AIRLINE_REASON_TOPICS = {
    "Customer Service Issue": "support_resolution",
    "Late Flight": "speed_waiting",
    "Cancelled Flight": "cancellation",
    "Lost Luggage": "baggage",
    "Damaged Luggage": "baggage",
    "Bad Flight": "facilities_comfort",
    "Flight Booking Problems": "booking_reservation",
    "Flight Attendant Complaints": "staff_behaviour",
    "longlines": "speed_waiting",
}
SHORT_TEXT_WORDS = 3


@dataclass(frozen=True, slots=True)
class SentimentScores:
    """Sentiment quality on one dataset's test part."""

    dataset: str
    language: str
    texts: int
    classes: int
    accuracy: float
    macro_f1: float
    f1_pn: float | None
    in_training: bool


@dataclass(frozen=True, slots=True)
class TopicScores:
    """Topic detection against the airline tweets' complaint reasons."""

    texts: int
    micro_f1: float
    macro_f1: float
    per_topic_f1: dict[str, float]


@dataclass(frozen=True, slots=True)
class LanguageScores:
    """Language-ID accuracy for one dataset, on full texts and on their first words."""

    dataset: str
    expected: str
    texts: int
    accuracy_full: float
    accuracy_short: float


@dataclass(frozen=True)
class EvaluationReport:
    """Everything ``format_report`` prints."""

    model_version: str
    trained_on: list[str]
    sentiment: list[SentimentScores] = field(default_factory=list)
    topics: TopicScores | None = None
    language: list[LanguageScores] = field(default_factory=list)
    texts_per_second: float = 0.0
    throughput_texts: int = 0
    model_size_bytes: int = 0
    peak_memory_bytes: int = 0


def run_text_evaluation(
    data_dir: Path,
    *,
    datasets: Sequence[str] | None = None,
    backend: TextBackend | None = None,
    throughput_texts: int | None = None,
) -> EvaluationReport:
    """Evaluate on the test part of every dataset found under ``data_dir``.

    ``throughput_texts`` times the pipeline on only that many texts (spread over all the
    datasets), for a backend too slow to run every test text twice.
    """
    active_backend = backend or default_backend()
    manifest = getattr(active_backend, "manifest", {})
    trained_on = [entry["dataset"] for entry in manifest.get("training_data", [])]
    names = [
        name for name in (datasets or list(DATASETS)) if (data_dir / DATASETS[name].path).exists()
    ]
    test_rows = {name: load_dataset(data_dir, name, split="test") for name in names}
    sentiment = [
        _sentiment_scores(name, rows, active_backend, in_training=name in trained_on)
        for name, rows in test_rows.items()
    ]
    language = [_language_scores(name, rows) for name, rows in test_rows.items()]
    topics = _topic_scores(test_rows["airline_tweets"]) if "airline_tweets" in test_rows else None
    all_texts = [row.text for rows in test_rows.values() for row in rows]
    if throughput_texts is not None and throughput_texts < len(all_texts):
        step = len(all_texts) / throughput_texts
        all_texts = [all_texts[int(index * step)] for index in range(throughput_texts)]
    return EvaluationReport(
        model_version=f"{active_backend.name}/{active_backend.version}",
        trained_on=trained_on,
        sentiment=sentiment,
        topics=topics,
        language=language,
        texts_per_second=measure_throughput(all_texts, backend=active_backend),
        throughput_texts=len(all_texts),
        model_size_bytes=model_size_bytes(active_backend),
        # Linux reports kilobytes; the whole process: data, models and the pipeline's buffers.
        peak_memory_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    )


def measure_throughput(texts: Sequence[str], *, backend: TextBackend | None = None) -> float:
    """Texts per second of the full ``analyze`` pipeline (after one warm-up batch)."""
    if not texts:
        return 0.0
    analyze(texts[:200], backend=backend)
    started = time.perf_counter()
    for start in range(0, len(texts), 1000):
        analyze(texts[start : start + 1000], backend=backend)
    return len(texts) / (time.perf_counter() - started)


def model_size_bytes(backend: TextBackend | None = None) -> int:
    """Bytes on disk of the files the backend loads (by default the shipped model
    directory) and the taxonomy file."""
    listed = getattr(backend, "model_files", None)
    files = list(listed()) if callable(listed) else list(DEFAULT_MODEL_DIR.iterdir())
    return sum(path.stat().st_size for path in files) + DEFAULT_TAXONOMY_PATH.stat().st_size


def _sentiment_scores(
    name: str, rows: list[LabelledText], backend: TextBackend, *, in_training: bool
) -> SentimentScores:
    documents = [[clause.text for clause in split_clauses(row.text)] for row in rows]
    probabilities, _ = backend.score_documents(documents)
    truth = np.array([row.label for row in rows])
    present = [label for label in SENTIMENT_LABELS if label in set(truth.tolist())]
    # A two-class set is scored on the two classes: the neutral column is ignored.
    columns = [SENTIMENT_LABELS.index(label) for label in present]
    predicted = np.array(present)[probabilities[:, columns].argmax(axis=1)]
    f1_by_label = {label: _f1(truth, predicted, label) for label in present}
    return SentimentScores(
        dataset=name,
        language=DATASETS[name].language,
        texts=len(rows),
        classes=len(present),
        accuracy=float(np.mean(truth == predicted)),
        macro_f1=float(np.mean(list(f1_by_label.values()))),
        f1_pn=(
            (f1_by_label["positive"] + f1_by_label["negative"]) / 2 if len(present) == 3 else None
        ),
        in_training=in_training,
    )


def _f1(truth: np.ndarray, predicted: np.ndarray, label: str) -> float:
    true_positive = float(np.sum((truth == label) & (predicted == label)))
    predicted_count = float(np.sum(predicted == label))
    actual_count = float(np.sum(truth == label))
    if true_positive == 0:
        return 0.0
    precision, recall = true_positive / predicted_count, true_positive / actual_count
    return 2 * precision * recall / (precision + recall)


def _language_scores(name: str, rows: list[LabelledText]) -> LanguageScores:
    expected = DATASETS[name].language
    full = identify_languages([row.text for row in rows])
    short = identify_languages([" ".join(row.text.split()[:SHORT_TEXT_WORDS]) for row in rows])
    return LanguageScores(
        dataset=name,
        expected=expected,
        texts=len(rows),
        accuracy_full=float(np.mean([result.language == expected for result in full])),
        accuracy_short=float(np.mean([result.language == expected for result in short])),
    )


def _topic_scores(rows: list[LabelledText]) -> TopicScores:
    """Each negative tweet's reason is its one gold topic ("Can't Tell": none). Only the
    mapped topics are scored: other topics we find are not wrong, just not annotated."""
    negatives = [row for row in rows if row.label == "negative"]
    taxonomy = default_taxonomy()
    scored_topics = sorted(set(AIRLINE_REASON_TOPICS.values()))
    counts = {topic: [0, 0, 0] for topic in scored_topics}  # true pos, false pos, false neg
    for row in negatives:
        gold = AIRLINE_REASON_TOPICS.get(row.extra.get("negativereason", ""))
        found = {match.topic for match in taxonomy.find(row.text)} & set(scored_topics)
        for topic in scored_topics:
            if topic in found and topic == gold:
                counts[topic][0] += 1
            elif topic in found:
                counts[topic][1] += 1
            elif topic == gold:
                counts[topic][2] += 1
    per_topic = {topic: _f1_from_counts(*counts[topic]) for topic in scored_topics}
    totals = np.sum(list(counts.values()), axis=0)
    return TopicScores(
        texts=len(negatives),
        micro_f1=_f1_from_counts(*totals),
        macro_f1=float(np.mean(list(per_topic.values()))),
        per_topic_f1=per_topic,
    )


def _f1_from_counts(true_positive: int, false_positive: int, false_negative: int) -> float:
    denominator = 2 * true_positive + false_positive + false_negative
    return float(2 * true_positive / denominator) if denominator else 0.0


def format_report(report: EvaluationReport) -> str:
    """A plain-text report: one table per measure."""
    lines = [
        f"model {report.model_version}; trained on {', '.join(report.trained_on) or '?'}",
        "",
        "sentiment (test split)      lang  texts cls  accuracy  macro-F1  F1-PN  trained-on",
    ]
    for scores in report.sentiment:
        f1_pn = f"{scores.f1_pn:.3f}" if scores.f1_pn is not None else "  -  "
        lines.append(
            f"  {scores.dataset:<25} {scores.language:<4} {scores.texts:>6} {scores.classes:>3}"
            f"  {scores.accuracy:8.3f}  {scores.macro_f1:8.3f}  {f1_pn}  "
            f"{'yes' if scores.in_training else 'no'}"
        )
    if report.topics is not None:
        topics = report.topics
        lines += [
            "",
            f"topics vs airline negative reasons ({topics.texts} tweets): "
            f"micro-F1 {topics.micro_f1:.3f}, macro-F1 {topics.macro_f1:.3f}",
        ]
        lines += [f"  {topic:<25} F1 {f1:.3f}" for topic, f1 in topics.per_topic_f1.items()]
    lines += ["", "language id                 expected  texts  full   first 3 words"]
    lines += [
        f"  {scores.dataset:<25} {scores.expected:<8} {scores.texts:>6}  {scores.accuracy_full:.3f}"
        f"  {scores.accuracy_short:.3f}"
        for scores in report.language
    ]
    lines += [
        "",
        f"throughput: {report.texts_per_second:,.0f} texts/s (full analyze pipeline, one process,"
        f" {report.throughput_texts:,} texts)",
        f"model size on disk: {report.model_size_bytes / 1e6:.2f} MB",
        f"peak memory (process max RSS): {report.peak_memory_bytes / 1e6:.0f} MB",
    ]
    return "\n".join(lines)
