"""Hashed n-gram features shared by training and inference.

Hashing needs no vocabulary file: a feature's column is a fixed hash of the n-gram modulo
``n_features``, computed with numpy and ``zlib`` only (documented below, so any
implementation can reproduce it), and the shipped model is just the IDF weights and the
linear coefficients. Word features carry negation marks
("مو زين" → "not_زين") and lexicon cues so the linear model can learn that a negated
positive word is negative.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp

from nabd.text.lexicon import (
    CONTRAST_WORDS,
    INTENSIFIERS,
    NEGATION_SCOPE,
    NEGATIVE_WORDS,
    NEGATORS,
    POSITIVE_WORDS,
)
from nabd.text.normalize import normalize_for_analysis, tokenize

FEATURE_SCHEME = "nabd-hashed-ngrams-v2"
_CLITICS = frozenset("وفب")
_PRIME = np.uint64(1_000_003)
# Word hashes are 32-bit; setting a high bit keeps them apart from character n-gram hashes.
_WORD_SALT = np.uint64(1 << 40)


@dataclass(frozen=True, slots=True)
class FeatureSettings:
    """How texts become hashed features; stored in the model manifest."""

    n_features: int = 2**18
    char_ngram_min: int = 2
    char_ngram_max: int = 5
    word_ngram_max: int = 2

    def as_dict(self) -> dict[str, int | str]:
        """Return the settings as JSON-ready values, with the scheme name."""
        return {"scheme": FEATURE_SCHEME, **asdict(self)}

    @classmethod
    def from_dict(cls, values: dict[str, int | str]) -> FeatureSettings:
        """Rebuild settings from a manifest, refusing a scheme this code cannot compute."""
        if values.get("scheme") != FEATURE_SCHEME:
            raise ValueError(f"unsupported feature scheme {values.get('scheme')!r}")
        return cls(**{key: int(value) for key, value in values.items() if key != "scheme"})


def marked_words(tokens: Sequence[str]) -> list[str]:
    """Mark the words in a negation's scope with ``not_`` and add lexicon cue tokens.

    The scope is the next ``NEGATION_SCOPE`` words and stops at a contrast word ("بس",
    "but"). Cues: ``__pos__``/``__neg__`` for polar words, ``__notpos__``/``__notneg__`` when
    negated and ``__intpos__``/``__intneg__`` after an intensifier.
    """
    words: list[str] = []
    negation_left = 0
    intensified = False
    for token in tokens:
        if token in CONTRAST_WORDS:
            negation_left = 0
            intensified = False
            words.append(token)
            continue
        negated = negation_left > 0
        words.append(f"not_{token}" if negated else token)
        polarity = _POLARITY.get(token, "")
        if polarity:
            if negated:
                words.append(f"__not{polarity}__")
            elif intensified:
                words.append(f"__int{polarity}__")
            else:
                words.append(f"__{polarity}__")
        if token in NEGATORS:
            negation_left = NEGATION_SCOPE
        elif negated:
            negation_left -= 1
        intensified = token in INTENSIFIERS
    return words


def _polarity_index() -> dict[str, str]:
    """Polar word → "pos"/"neg", also with an attached و/ف/ب ("وسيء" → "neg")."""
    index: dict[str, str] = {}
    for words, polarity in ((NEGATIVE_WORDS, "neg"), (POSITIVE_WORDS, "pos")):
        for word in words:
            if len(word) > 2 and not word.isascii():
                for clitic in _CLITICS:
                    index.setdefault(clitic + word, polarity)
    for words, polarity in ((NEGATIVE_WORDS, "neg"), (POSITIVE_WORDS, "pos")):
        index.update(dict.fromkeys(words, polarity))
    return index


_POLARITY = _polarity_index()


def _column(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """Scramble 64-bit hashes (a splitmix64 finaliser) and fold them onto the columns."""
    with np.errstate(over="ignore"):
        mixed = hashes ^ (hashes >> np.uint64(31))
        mixed = mixed * np.uint64(0xBF58476D1CE4E5B9)
        mixed = mixed ^ (mixed >> np.uint64(29))
    return (mixed % np.uint64(n_features)).astype(np.int64)


def _char_ngram_columns(
    texts: Sequence[str], min_n: int, max_n: int, n_features: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hash every character n-gram inside " word " windows, for all texts at once.

    Texts are joined as " text " with NUL between them; an n-gram is kept when it holds no
    NUL and no space except at its ends (so n-grams never cross words, as in ``char_wb``).
    Its hash is the polynomial ``sum(code * P^k)`` over its code points, modulo 2^64.
    """
    if not texts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    joined = "\x00".join(f" {text} " for text in texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    is_separator = codes == 0
    is_space = (codes == 32).astype(np.int64)
    separator_prefix = np.concatenate([[0], np.cumsum(is_separator)])
    row_of_position = separator_prefix[1:]
    space_prefix = np.concatenate([[0], np.cumsum(is_space)])
    rows: list[np.ndarray] = []
    columns: list[np.ndarray] = []
    for n in range(min_n, max_n + 1):
        window_count = len(codes) - n + 1
        if window_count <= 0:
            continue
        hashes = np.full(window_count, n, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for offset in range(n):
                hashes = hashes * _PRIME + codes[offset : offset + window_count]
        # Prefix sums over slices (views, no gathers): [start, start + n) holds no NUL, no
        # space strictly inside, and at least one non-space character.
        no_separator = separator_prefix[n : n + window_count] == separator_prefix[:window_count]
        interior_spaces = (
            space_prefix[n - 1 : n - 1 + window_count] - space_prefix[1 : 1 + window_count]
        )
        spaces = space_prefix[n : n + window_count] - space_prefix[:window_count]
        keep = no_separator & (interior_spaces == 0) & (spaces < n)
        rows.append(row_of_position[:window_count][keep])
        columns.append(_column(hashes[keep], n_features))
    return np.concatenate(rows), np.concatenate(columns)


def _word_ngram_columns(
    texts: Sequence[str], max_n: int, n_features: int
) -> tuple[np.ndarray, np.ndarray]:
    """Hash marked words (CRC-32 of UTF-8) and word n-grams (polynomial over word hashes),
    salted apart from character n-grams."""
    word_hashes: list[int] = []
    word_rows: list[int] = []
    for row, text in enumerate(texts):
        words = marked_words(tokenize(text))
        word_hashes.extend(zlib.crc32(word.encode()) for word in words)
        word_rows.extend([row] * len(words))
    hashes = np.array(word_hashes, dtype=np.uint64) | _WORD_SALT
    rows = np.array(word_rows, dtype=np.int64)
    all_rows = [rows]
    all_columns = [_column(hashes, n_features)]
    gram = hashes
    for n in range(2, max_n + 1):
        with np.errstate(over="ignore"):
            gram = gram[:-1] * _PRIME + hashes[n - 1 :]
        same_text = rows[n - 1 :] == rows[: len(rows) - n + 1]
        all_rows.append(rows[: len(rows) - n + 1][same_text])
        all_columns.append(_column(gram[same_text], n_features))
    return np.concatenate(all_rows), np.concatenate(all_columns)


class FeatureHasher:
    """Turn analysis-form texts into L2-normalised, IDF-weighted hashed n-gram rows."""

    def __init__(self, settings: FeatureSettings, idf: np.ndarray | None = None) -> None:
        self.settings = settings
        self.idf = idf

    def counts(self, normalized_texts: Sequence[str]) -> sp.csr_matrix:
        """Return raw hashed counts of character and word n-grams, one row per text."""
        settings = self.settings
        rows_chars, columns_chars = _char_ngram_columns(
            normalized_texts, settings.char_ngram_min, settings.char_ngram_max, settings.n_features
        )
        rows_words, columns_words = _word_ngram_columns(
            normalized_texts, settings.word_ngram_max, settings.n_features
        )
        rows = np.concatenate([rows_chars, rows_words])
        columns = np.concatenate([columns_chars, columns_words])
        counts = sp.coo_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, columns)),
            shape=(len(normalized_texts), settings.n_features),
        )
        return sp.csr_matrix(counts)  # duplicates are summed

    def transform(self, normalized_texts: Sequence[str]) -> sp.csr_matrix:
        """Return the model input of analysis-form texts (see ``weight``)."""
        return self.weight(self.counts(normalized_texts))

    def weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Turn raw counts into model input: 1 + log(count), times IDF, unit length."""
        matrix = counts.copy()
        matrix.data = 1.0 + np.log(matrix.data)
        if self.idf is not None:
            matrix.data *= self.idf[matrix.indices]
        row_lengths = np.diff(matrix.indptr)
        squared = np.zeros(matrix.shape[0], dtype=np.float64)
        non_empty = row_lengths > 0
        squared[non_empty] = np.add.reduceat(matrix.data**2, matrix.indptr[:-1][non_empty])
        norms = np.sqrt(squared)
        norms[norms == 0] = 1.0
        matrix.data = (matrix.data / np.repeat(norms, row_lengths)).astype(np.float32)
        return matrix


def inverse_document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    """Smoothed IDF, ``log((1 + n) / (1 + df)) + 1``, from a training count matrix."""
    document_count = counts.shape[0]
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1 + document_count) / (1 + document_frequency)) + 1.0


def document_and_clause_counts(
    hasher: FeatureHasher, documents: Sequence[Sequence[str]]
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Count features once per clause and sum them per document (clauses in document order).

    Training and inference both use this, so a document's features never include n-grams
    that straddle two clauses, and clause scores cost no second pass over the text.
    """
    clause_texts = [normalize_for_analysis(clause) for clauses in documents for clause in clauses]
    clause_counts = hasher.counts(clause_texts)
    owners = np.repeat(np.arange(len(documents)), [len(clauses) for clauses in documents])
    membership = sp.csr_matrix(
        (np.ones(len(owners), dtype=np.float32), (owners, np.arange(len(owners)))),
        shape=(len(documents), len(owners)),
    )
    return sp.csr_matrix(membership @ clause_counts), clause_counts
