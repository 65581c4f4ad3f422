"""The sentiment backend interface, so a heavier local model can replace the default.

The default is :class:`nabd.text.sentiment.LinearSentimentModel`. A transformer backend (for
example a local model directory run with onnxruntime) would implement the same protocol;
none ships yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TextBackend(Protocol):
    """Scores documents given as lists of clauses (raw text, not normalised)."""

    @property
    def name(self) -> str:
        """A short backend name, stored with each annotation."""
        ...

    @property
    def version(self) -> str:
        """The model version, stored with each annotation."""
        ...

    def score_documents(self, documents: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """Return (document probabilities, clause probabilities), rows of
        (negative, neutral, positive); clause rows are in document order."""
        ...


def default_backend() -> TextBackend:
    """The shipped linear model, loaded once per process."""
    from nabd.text.sentiment import load_default_model

    return load_default_model()
