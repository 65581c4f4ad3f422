"""Training and scoring the linear sentiment model; shared by the shipped model's script
(``scripts/train_text_model.py``) and ``nabd text train`` for workspace models.

Pure: texts and labels in, a :class:`LinearSentimentModel` or a score out; no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from nabd.text.backend import TextBackend
from nabd.text.features import (
    FeatureHasher,
    FeatureSettings,
    document_and_clause_counts,
    inverse_document_frequency,
)
from nabd.text.segment import split_clauses
from nabd.text.sentiment import SENTIMENT_LABELS, LinearSentimentModel

# A class the training data lacks is never predicted: its logit sits this far below.
_ABSENT_CLASS_INTERCEPT = -30.0


def document_counts(hasher: FeatureHasher, texts: Sequence[str]) -> sp.csr_matrix:
    """Raw hashed counts per text, summed over its clauses exactly as at inference."""
    documents = [[segment.text for segment in split_clauses(text)] for text in texts]
    counts, _ = document_and_clause_counts(hasher, documents)
    return counts


def fit(
    counts: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, *, c: float, seed: int
) -> tuple[np.ndarray, LogisticRegression]:
    """IDF from the training counts, then an L2 logistic regression on the weighted rows."""
    idf = inverse_document_frequency(counts)
    hasher = FeatureHasher(FeatureSettings(n_features=counts.shape[1]), idf)
    classifier = LogisticRegression(C=c, max_iter=3000, random_state=seed)
    classifier.fit(hasher.weight(counts), labels, sample_weight=weights)
    return idf, classifier


def as_model(
    settings: FeatureSettings,
    idf: np.ndarray,
    classifier: LogisticRegression,
    manifest: dict[str, Any],
) -> LinearSentimentModel:
    """The portable model: one row of coefficients per label in ``SENTIMENT_LABELS`` order.

    A two-class fit (workspace data without neutral texts) becomes the equivalent softmax:
    the first class at logit 0, the second at the fitted one, the missing class never chosen.
    """
    classes = [str(label) for label in classifier.classes_]
    n_features = classifier.coef_.shape[1]
    coefficients = np.zeros((len(SENTIMENT_LABELS), n_features), dtype=np.float32)
    intercepts = np.full(len(SENTIMENT_LABELS), _ABSENT_CLASS_INTERCEPT, dtype=np.float32)
    if len(classes) == 2:
        first, second = (SENTIMENT_LABELS.index(label) for label in classes)
        intercepts[first] = 0.0
        coefficients[second] = classifier.coef_[0]
        intercepts[second] = classifier.intercept_[0]
    else:
        for row, label in enumerate(classes):
            coefficients[SENTIMENT_LABELS.index(label)] = classifier.coef_[row]
            intercepts[SENTIMENT_LABELS.index(label)] = classifier.intercept_[row]
    return LinearSentimentModel(
        settings=settings,
        idf=idf.astype(np.float32),
        coefficients=coefficients,
        intercepts=intercepts,
        manifest=manifest,
    )


def macro_f1(truth: np.ndarray, probabilities: np.ndarray) -> float:
    """Macro-F1 over the labels present in ``truth``; other columns are ignored, as in
    evaluation (a two-class set is not penalised for the neutral column)."""
    present = sorted(set(truth.tolist()))
    columns = [SENTIMENT_LABELS.index(label) for label in present]
    predicted = np.array(present)[probabilities[:, columns].argmax(axis=1)]
    return float(f1_score(truth, predicted, labels=present, average="macro"))


def train_model(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    weights: Sequence[float] | None = None,
    settings: FeatureSettings | None = None,
    c: float = 4.0,
    seed: int = 20261123,
    manifest: dict[str, Any] | None = None,
) -> LinearSentimentModel:
    """Fit a model on raw texts with the shipped model's feature pipeline."""
    settings = settings or FeatureSettings()
    counts = document_counts(FeatureHasher(settings), texts)
    label_array = np.array(labels)
    weight_array = np.ones(len(texts)) if weights is None else np.asarray(weights, dtype=float)
    idf, classifier = fit(counts, label_array, weight_array, c=c, seed=seed)
    return as_model(settings, idf, classifier, manifest or {})


def score_model(model: TextBackend, texts: Sequence[str], labels: Sequence[str]) -> float:
    """Macro-F1 of any ``TextBackend`` on labelled raw texts (document-level labels)."""
    documents = [[segment.text for segment in split_clauses(text)] for text in texts]
    document_probabilities, _ = model.score_documents(documents)
    return macro_f1(np.array(labels), document_probabilities)
