#!/usr/bin/env python3
"""Benchmark the text pipeline: texts/s per stage and for ``analyze``, and model memory.

Usage::

    PYTHONPATH=src python bench/text_throughput.py --data ../shared/data --n 20000
    PYTHONPATH=src python bench/text_throughput.py --data ../shared/data --n 1000 \
        --backend accurate   # e5 embeddings + n-gram model; needs the [embeddings] extra

Texts are drawn (cycled, in a fixed shuffled order) from the labelled datasets found under
``--data``. Not a test: it prints a table and exits 0.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

from nabd.text.accurate import load_accurate_backend
from nabd.text.backend import TextBackend
from nabd.text.datasets import DATASETS, load_dataset
from nabd.text.language import identify_languages
from nabd.text.pipeline import analyze
from nabd.text.segment import split_clauses
from nabd.text.sentiment import DEFAULT_MODEL_DIR, load_default_model
from nabd.text.topics import default_taxonomy


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared/data folder")
    parser.add_argument("--n", type=int, default=20_000, help="number of texts")
    parser.add_argument("--batch-size", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--backend",
        choices=("linear", "accurate"),
        default="linear",
        help="the sentiment backend (accurate: only the sentiment and analyze stages)",
    )
    return parser.parse_args()


def load_texts(data_dir: Path, count: int, seed: int) -> list[str]:
    texts = [
        row.text
        for name, info in DATASETS.items()
        if (data_dir / info.path).exists()
        for row in load_dataset(data_dir, name)
    ]
    if not texts:
        raise SystemExit(f"no datasets found under {data_dir}")
    random.Random(seed).shuffle(texts)
    return [texts[index % len(texts)] for index in range(count)]


def rate(texts: Sequence[str], batch_size: int, stage: Callable[[Sequence[str]], object]) -> float:
    stage(texts[:batch_size])  # warm-up: lazy models, caches of the taxonomy index
    started = time.perf_counter()
    for start in range(0, len(texts), batch_size):
        stage(texts[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def main() -> int:
    arguments = parse_arguments()
    texts = load_texts(arguments.data, arguments.n, arguments.seed)

    tracemalloc.start()
    started = time.perf_counter()
    model: TextBackend = load_default_model()
    model_files = list(DEFAULT_MODEL_DIR.iterdir())
    if arguments.backend == "accurate":
        accurate = load_accurate_backend()
        model, model_files = accurate, accurate.model_files()
    taxonomy = default_taxonomy()
    taxonomy.find("warm up the phrase index")
    load_seconds = time.perf_counter() - started
    _, model_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    def sentiment(batch: Sequence[str]) -> object:
        return model.score_documents([[c.text for c in split_clauses(text)] for text in batch])

    stages: dict[str, Callable[[Sequence[str]], object]] = {
        "language id": identify_languages,
        "sentiment (clauses + text)": sentiment,
        "topics": lambda batch: [taxonomy.find(text) for text in batch],
        "analyze(details=False)": lambda batch: analyze(batch, backend=model, details=False),
        "analyze (full pipeline)": lambda batch: analyze(batch, backend=model),
    }
    if arguments.backend == "accurate":
        del stages["language id"], stages["topics"], stages["analyze (full pipeline)"]
    rates = {name: rate(texts, arguments.batch_size, stage) for name, stage in stages.items()}
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    model_mb = sum(path.stat().st_size for path in model_files) / 1e6
    mean_length = sum(len(text) for text in texts) / len(texts)

    print(f"{len(texts):,} texts (mean {mean_length:.0f} characters), batch {arguments.batch_size}")
    print(f"python {platform.python_version()}, one process, {platform.machine()}")
    print(f"backend {model.name}/{model.version}")
    print()
    print(f"{'stage':<30}{'texts/s':>12}")
    for name, texts_per_second in rates.items():
        print(f"{name:<30}{texts_per_second:>12,.0f}")
    print()
    print(f"model load + taxonomy index   {load_seconds:8.2f} s")
    print(f"model on disk                 {model_mb:8.2f} MB")
    print(f"model memory (tracemalloc)    {model_peak / 1e6:8.1f} MB peak while loading")
    print(f"process peak RSS              {peak_rss_mb:8.0f} MB (incl. lingua models, data)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
