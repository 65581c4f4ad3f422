"""The default sentiment model: hashed n-grams, IDF, a linear layer and a softmax.

The model ships as plain arrays (``sentiment.npz``) plus ``manifest.json``; loading needs
numpy only, never pickle, so any scikit-learn version and no code execution on load.
Clause and text scores come from one feature pass: a text's counts are the sum of its
clauses' counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from nabd.text.features import FeatureHasher, FeatureSettings, document_and_clause_counts

SENTIMENT_LABELS = ("negative", "neutral", "positive")
DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "default"
MODEL_ARRAYS = "sentiment.npz"
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class LinearSentimentModel:
    """A multinomial linear model over hashed features; implements ``TextBackend``."""

    settings: FeatureSettings
    idf: np.ndarray
    coefficients: np.ndarray
    intercepts: np.ndarray
    manifest: dict[str, Any] = field(default_factory=dict)
    hasher: FeatureHasher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hasher", FeatureHasher(self.settings, self.idf))

    @property
    def name(self) -> str:
        """The backend name reported with every annotation."""
        return "linear-hashed-ngrams"

    @property
    def version(self) -> str:
        """The model version from the manifest."""
        return str(self.manifest.get("model_version", "unversioned"))

    @classmethod
    def load(cls, directory: Path = DEFAULT_MODEL_DIR) -> LinearSentimentModel:
        """Load the arrays and manifest written by ``save`` (numpy only, no pickle)."""
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        with np.load(directory / MODEL_ARRAYS, allow_pickle=False) as arrays:
            coefficients = arrays["coefficients"].astype(np.float32)
            return cls(
                settings=FeatureSettings.from_dict(manifest["features"]),
                idf=arrays["idf"].astype(np.float32),
                coefficients=coefficients,
                intercepts=arrays["intercepts"].astype(np.float32),
                manifest=manifest,
            )

    def save(self, directory: Path) -> None:
        """Write float16 arrays (compressed) and the manifest with the feature settings."""
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / MODEL_ARRAYS,
            idf=self.idf.astype(np.float16),
            coefficients=self.coefficients.astype(np.float16),
            intercepts=self.intercepts.astype(np.float32),
        )
        manifest = {**self.manifest, "features": self.settings.as_dict()}
        manifest["labels"] = list(SENTIMENT_LABELS)
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        (directory / MANIFEST).write_text(text, encoding="utf-8")

    def probabilities(self, features: sp.csr_matrix) -> np.ndarray:
        """Softmax class probabilities (negative, neutral, positive) for feature rows."""
        logits = features @ self.coefficients.T + self.intercepts
        logits -= logits.max(axis=1, keepdims=True)
        exponentials = np.exp(logits)
        return exponentials / exponentials.sum(axis=1, keepdims=True)

    def score_documents(self, documents: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Score documents given as clause lists: (document probabilities, clause probabilities).

        Clause rows are in document order; a document without clauses gets the counts of
        nothing, i.e. the intercept-only prediction.
        """
        document_counts, clause_counts = document_and_clause_counts(self.hasher, documents)
        document_probabilities = self.probabilities(self.hasher.weight(document_counts))
        clause_probabilities = self.probabilities(self.hasher.weight(clause_counts))
        return document_probabilities, clause_probabilities


@lru_cache(maxsize=4)
def load_default_model(directory: Path = DEFAULT_MODEL_DIR) -> LinearSentimentModel:
    """Load a model directory once per process."""
    return LinearSentimentModel.load(directory)


def sentiment_score(probabilities: np.ndarray) -> np.ndarray:
    """Score in −1…1: probability of positive minus probability of negative."""
    return probabilities[..., 2] - probabilities[..., 0]


def sentiment_labels(probabilities: np.ndarray) -> list[str]:
    """The most probable label of each row."""
    return [SENTIMENT_LABELS[index] for index in probabilities.argmax(axis=-1)]
