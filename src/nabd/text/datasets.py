"""The public labelled datasets in ``shared/data``: where they are, their labels and licences.

Training and evaluation share this module so that both see the same, fixed train/test split:
a text goes to the test part when the hash of its content falls in the lowest 20 % of its
label, so the split is stable across library versions and duplicate texts never straddle it.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Split = Literal["train", "test"]
TEST_SHARE = 0.2
SPLIT_SALT = "nabd-text-split-v1"


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    """Where a labelled dataset lives, how its labels map to ours and what its licence allows."""

    name: str
    language: str
    path: str
    text_column: str
    label_column: str
    label_map: dict[str, str]
    licence: str
    redistributable_model: bool
    licence_note: str


@dataclass(frozen=True, slots=True)
class LabelledText:
    """One labelled text; ``label`` is negative, neutral or positive."""

    dataset: str
    row_id: str
    text: str
    label: str
    extra: dict[str, str]


DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in [
        DatasetInfo(
            name="saudi_tourism",
            language="ar",
            path="ar_saudi_tourism_reviews/saudi_tourism_reviews.csv",
            text_column="div_text",
            label_column="label",
            label_map={"0": "negative", "1": "positive", "2": "neutral"},
            licence="MIT",
            redistributable_model=True,
            licence_note="MIT, copyright (c) 2025 Raneem224.",
        ),
        DatasetInfo(
            name="arsarcasm_v2",
            language="ar",
            path="ar_arsarcasm_v2/arsarcasm_v2.csv",
            text_column="tweet",
            label_column="sentiment",
            label_map={"NEG": "negative", "NEU": "neutral", "POS": "positive"},
            licence="MIT",
            redistributable_model=True,
            licence_note="MIT, copyright (c) 2021 iabufarha.",
        ),
        DatasetInfo(
            name="ajgt",
            language="ar",
            path="ar_ajgt_tweets/ajgt.csv",
            text_column="Feed",
            label_column="Sentiment",
            label_map={"Negative": "negative", "Positive": "positive"},
            licence="AFL-3.0",
            redistributable_model=True,
            licence_note="Academic Free License v3.0 (permissive, attribution).",
        ),
        DatasetInfo(
            name="airline_tweets",
            language="en",
            path="en_twitter_us_airline_sentiment/tweets.csv",
            text_column="text",
            label_column="airline_sentiment",
            label_map={"negative": "negative", "neutral": "neutral", "positive": "positive"},
            licence="CC BY-NC-SA 4.0 (as commonly listed; not verified)",
            redistributable_model=False,
            licence_note=(
                "Non-commercial share-alike as commonly listed for the Kaggle release. It is the "
                "only English data here, so the default model uses it: a model trained on it "
                "may carry the non-commercial terms. Retrain with --datasets to drop it."
            ),
        ),
        DatasetInfo(
            name="astd",
            language="ar",
            path="ar_astd_tweets/astd_tweets.csv",
            text_column="text",
            label_column="label",
            # NEUTRAL means subjective *mixed* in ASTD; it has no place in three classes.
            label_map={"NEG": "negative", "OBJ": "neutral", "POS": "positive"},
            licence="GPL-2.0",
            redistributable_model=False,
            licence_note="GPL-2.0; whether a trained model is a derived work is unclear.",
        ),
        DatasetInfo(
            name="arsas",
            language="ar",
            path="ar_arsas_tweets/arsas.csv",
            text_column="text",
            label_column="sentiment",
            label_map={"Negative": "negative", "Neutral": "neutral", "Positive": "positive"},
            licence="research-only (no licence named)",
            redistributable_model=False,
            licence_note="Redistributed for research reproducibility only.",
        ),
    ]
}
DEFAULT_TRAINING_DATASETS = ("saudi_tourism", "arsarcasm_v2", "ajgt", "airline_tweets")


def load_dataset(data_dir: Path, name: str, *, split: Split | None = None) -> list[LabelledText]:
    """Read one dataset's rows with a mapped label; ``split`` keeps only the train or test part."""
    info = DATASETS[name]
    rows: list[LabelledText] = []
    with (data_dir / info.path).open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            label = info.label_map.get(record[info.label_column])
            text = record[info.text_column] or ""
            if label is None or not text.strip():
                continue
            extra = {
                key: value
                for key, value in record.items()
                if key not in {info.text_column, info.label_column}
            }
            rows.append(LabelledText(name, record["row_id"], text, label, extra))
    if split is None:
        return rows
    test_keys = _test_keys(rows)
    return [row for row in rows if (_text_key(row.text) in test_keys) == (split == "test")]


def _text_key(text: str) -> str:
    return hashlib.blake2b(f"{SPLIT_SALT}\x00{text.strip()}".encode(), digest_size=8).hexdigest()


def _test_keys(rows: Iterable[LabelledText]) -> set[str]:
    keys_by_label: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        keys_by_label[row.label].add(_text_key(row.text))
    test_keys: set[str] = set()
    for keys in keys_by_label.values():
        ordered = sorted(keys)
        test_keys.update(ordered[: round(len(ordered) * TEST_SHARE)])
    return test_keys
