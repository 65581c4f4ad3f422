"""An optional heavier sentiment backend: a local transformer sequence-classification model.

For a workspace that already has such a model on disk (a fine-tuned CAMeLBERT or MARBERT
sentiment directory, say). It is loaded with ``transformers`` and CPU ``torch`` — the
``[accurate]`` extra — from the directory only (``local_files_only``), so nothing is ever
downloaded. Clauses and whole documents are scored separately, because a transformer reads
context rather than summing per-clause counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from nabd.core.errors import ValidationFailed
from nabd.core.i18n import N_
from nabd.text.sentiment import SENTIMENT_LABELS

BATCH_SIZE = 32
MAX_TOKENS = 256


class TransformerUnavailable(ValidationFailed):
    pass


def _label_order(id2label: dict[int, str]) -> list[int]:
    """Model output column → position in ``SENTIMENT_LABELS``.

    Named labels ("negative", "NEG", "Positive" …) are matched by prefix; unnamed ones
    ("LABEL_0" …) are taken as negative/positive (2 classes) or negative/neutral/positive (3).
    """
    names = [str(id2label[index]).lower() for index in sorted(id2label)]
    prefixes = {"neg": 0, "neu": 1, "pos": 2}
    positions = [next((p for k, p in prefixes.items() if n.startswith(k)), None) for n in names]
    if all(position is not None for position in positions):
        return [int(position) for position in positions if position is not None]
    if len(names) == 2:
        return [0, 2]
    if len(names) == 3:
        return [0, 1, 2]
    raise TransformerUnavailable(
        N_("The model's labels (%(labels)s) are not negative/neutral/positive."),
        params={"labels": ", ".join(names)},
    )


class TransformerBackend:
    """A ``TextBackend`` over a ``transformers`` model directory, run on CPU."""

    def __init__(self, directory: Path) -> None:
        try:
            import torch
            from transformers import AutoModelForSequenceClassification, AutoTokenizer
        except ImportError as error:
            raise TransformerUnavailable(
                N_("The transformer backend needs the [accurate] extra (torch, transformers).")
            ) from error
        if not (directory / "config.json").is_file():
            raise TransformerUnavailable(
                N_("%(path)s is not a transformer model directory (no config.json)."),
                params={"path": str(directory)},
            )
        self.directory = directory
        self._torch: Any = torch
        self._tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self._model = AutoModelForSequenceClassification.from_pretrained(
            directory, local_files_only=True
        )
        self._model.eval()
        self._columns = _label_order(dict(self._model.config.id2label))

    @property
    def name(self) -> str:
        """The backend name reported with every annotation."""
        return "transformer"

    @property
    def version(self) -> str:
        """The model directory's name: the model a stored annotation came from."""
        return self.directory.name

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Rows of (negative, neutral, positive) probabilities; a class the model lacks is 0."""
        rows = np.zeros((len(texts), len(SENTIMENT_LABELS)), dtype=np.float32)
        with self._torch.no_grad():
            for start in range(0, len(texts), BATCH_SIZE):
                batch = list(texts[start : start + BATCH_SIZE])
                inputs = self._tokenizer(
                    batch, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
                )
                logits = self._model(**inputs).logits
                scores = self._torch.softmax(logits, dim=-1).numpy()
                rows[start : start + len(batch), self._columns] = scores
        return rows

    def score_documents(self, documents: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(document probabilities, clause probabilities), clause rows in document order."""
        clauses = [clause for document in documents for clause in document]
        document_texts = [" ".join(document) for document in documents]
        return self.probabilities(document_texts), self.probabilities(clauses)


@lru_cache(maxsize=4)
def load_transformer_backend(path: str) -> TransformerBackend:
    """Load a model directory once per process (they take seconds and hundreds of MB)."""
    return TransformerBackend(Path(path))
