"""The shipped sentiment model: portable arrays, negation handling, stable hashing."""

import json
from pathlib import Path

import numpy as np
import pytest

from nabd.text.features import FeatureHasher, FeatureSettings, marked_words
from nabd.text.normalize import normalize_for_analysis, tokenize
from nabd.text.sentiment import (
    DEFAULT_MODEL_DIR,
    SENTIMENT_LABELS,
    LinearSentimentModel,
    load_default_model,
    sentiment_labels,
)


def _label(text: str) -> str:
    probabilities, _ = load_default_model().score_documents([[text]])
    return sentiment_labels(probabilities)[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("زين", "positive"),
        ("مو زين", "negative"),
        ("حلو", "positive"),
        ("مش حلو", "negative"),
        ("عجبني", "positive"),
        ("ما عجبني", "negative"),
        ("الخدمة مو زينة أبداً", "negative"),
        ("good", "positive"),
        ("not good", "negative"),
        ("the food was not good", "negative"),
    ],
)
def test_negation_flips_positive_words(text: str, expected: str) -> None:
    assert _label(text) == expected


@pytest.mark.parametrize("text", ["not bad", "the service was not bad at all", "مو سيء"])
def test_negated_negative_is_not_negative(text: str) -> None:
    assert _label(text) != "negative"


def test_negation_scope_marks_words_and_stops_at_contrast() -> None:
    words = marked_words(tokenize(normalize_for_analysis("مو زين بس السعر حلو")))
    assert words == ["مو", "not_زين", "__notpos__", "بس", "السعر", "حلو", "__pos__"]


def test_intensifier_adds_a_cue() -> None:
    assert "__intneg__" in marked_words(tokenize(normalize_for_analysis("very bad")))


def test_model_files_are_plain_arrays_and_small() -> None:
    manifest = json.loads((DEFAULT_MODEL_DIR / "manifest.json").read_text(encoding="utf-8"))
    with np.load(DEFAULT_MODEL_DIR / "sentiment.npz", allow_pickle=False) as arrays:
        assert arrays["coefficients"].shape == (3, manifest["features"]["n_features"])
        assert arrays["coefficients"].dtype == np.float16
    total = sum(path.stat().st_size for path in DEFAULT_MODEL_DIR.iterdir())
    assert total < 5_000_000
    assert manifest["labels"] == list(SENTIMENT_LABELS)
    assert {entry["dataset"] for entry in manifest["training_data"]} >= {"saudi_tourism"}
    assert all(entry["licence"] for entry in manifest["training_data"])


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    model = load_default_model()
    model.save(tmp_path)
    reloaded = LinearSentimentModel.load(tmp_path)
    documents = [["الخدمة ممتازة"], ["late again", "no refund"]]
    np.testing.assert_allclose(
        reloaded.score_documents(documents)[0], model.score_documents(documents)[0], atol=1e-3
    )


def test_hashing_is_pinned() -> None:
    # The shipped coefficients are only valid while these columns stay where they are.
    # "ok": char n-grams " o", "ok", "k ", " ok", "ok ", " ok " and the word "ok".
    hasher = FeatureHasher(FeatureSettings())
    assert sorted(hasher.counts(["ok"]).indices.tolist()) == [
        74268,
        108946,
        121925,
        163156,
        200845,
        224817,
        246422,
    ]


def test_text_scores_are_sums_of_clause_features() -> None:
    model = load_default_model()
    documents = [["الموظفين محترمين", "بس السعر غالي"], []]
    document_probabilities, clause_probabilities = model.score_documents(documents)
    assert document_probabilities.shape == (2, 3)
    assert clause_probabilities.shape == (2, 3)
    np.testing.assert_allclose(document_probabilities.sum(axis=1), 1.0, atol=1e-5)
