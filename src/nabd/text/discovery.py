"""Discovered topics: cluster the comments no taxonomy topic covers and name the clusters.

Each comment becomes its content words and runs of up to three of them (from the key-phrase
candidates, so stop words are gone and spellings folded), weighted by TF-IDF. MiniBatchKMeans
groups them, the number of clusters chosen by the best cosine silhouette, and each cluster is
named by the heaviest terms of its centre, which are in the language its comments are written
in. Pure: texts in, clusters out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from nabd.text.keyphrases import extract_key_phrases
from nabd.text.normalize import normalize_for_analysis

MAX_TOPICS = 8
MIN_TOPIC_SIZE = 3
NAME_PHRASES = 3
NAME_MAX_WORDS = 3
NAME_WEIGHT_SHARE = 0.5
# Silhouette on at most this many comments: it costs the square of the sample.
SILHOUETTE_SAMPLE = 2000


@dataclass(frozen=True, slots=True)
class DiscoveredTopic:
    """A cluster: its naming phrases (best first) and its members, closest to the centre first."""

    phrases: tuple[str, ...]
    members: tuple[int, ...]
    language: str


def terms_of(text: str) -> list[str]:
    """Content words and runs of two or three of them, in the analysis form."""
    terms: list[str] = []
    for phrase in extract_key_phrases(normalize_for_analysis(text), limit=20):
        words = phrase.split()
        for size in range(1, min(NAME_MAX_WORDS, len(words)) + 1):
            terms.extend(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))
    return terms


def _identity(terms: list[str]) -> list[str]:
    return terms


def discover_topics(
    texts: Sequence[str],
    languages: Sequence[str],
    *,
    max_topics: int = MAX_TOPICS,
    min_size: int = MIN_TOPIC_SIZE,
    seed: int = 20261123,
) -> list[DiscoveredTopic]:
    """Clusters of at least ``min_size`` texts, largest first; [] when too few texts share words."""
    if len(texts) < 2 * min_size:
        return []
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=2, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([terms_of(text) for text in texts])
    except ValueError:  # no term appears in two texts
        return []
    rows = np.flatnonzero(matrix.getnnz(axis=1))
    if len(rows) < 2 * min_size:
        return []
    matrix = matrix[rows]
    # One thread: on small matrices OpenMP start-up and spinning cost far more than they save,
    # 20x on a loaded 2-core machine (measured: 13.4 s against 0.6 s for 800 comments).
    with threadpool_limits(limits=1):
        labels, centres = _best_clustering(matrix, max_topics, min_size, seed)
    terms = vectorizer.get_feature_names_out()
    topics: list[DiscoveredTopic] = []
    for cluster in range(centres.shape[0]):
        in_cluster = np.flatnonzero(labels == cluster)
        if len(in_cluster) < min_size:
            continue
        closeness = np.asarray(matrix[in_cluster] @ centres[cluster]).ravel()
        members = tuple(int(rows[i]) for i in in_cluster[np.argsort(-closeness, kind="stable")])
        language = Counter(languages[member] for member in members).most_common(1)[0][0]
        topics.append(DiscoveredTopic(_name(centres[cluster], terms), members, language))
    return sorted(topics, key=lambda topic: -len(topic.members))


def _best_clustering(
    matrix: sp.csr_matrix, max_topics: int, min_size: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The k-means result with the best cosine silhouette over k = 2 … max_topics.

    Identical texts can leave fewer distinct clusters than asked for; then all are one.
    """
    row_count = matrix.shape[0]
    sample = min(row_count, SILHOUETTE_SAMPLE)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    for k in range(2, max(2, min(max_topics, row_count // min_size)) + 1):
        model = MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3, batch_size=1024)
        labels = model.fit_predict(matrix)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(
            silhouette_score(matrix, labels, metric="cosine", sample_size=sample, random_state=seed)
        )
        if best is None or score > best[0]:
            best = (score, labels, model.cluster_centers_)
    if best is None:
        return np.zeros(row_count, dtype=int), np.asarray(matrix.mean(axis=0))
    return best[1], best[2]


def _name(centre: np.ndarray, terms: np.ndarray) -> tuple[str, ...]:
    """The most telling terms of a centre: of the heavy ones (at least half the top weight),
    longer runs first, skipping any term inside one already chosen."""
    heaviest = np.argsort(-centre, kind="stable")[: 4 * NAME_PHRASES]
    heavy = [
        index for index in heaviest if centre[index] >= NAME_WEIGHT_SHARE * centre[heaviest[0]]
    ]
    chosen: list[str] = []
    for index in sorted(heavy, key=lambda index: -len(str(terms[index]).split())):
        term = str(terms[index])
        if not any(f" {term} " in f" {existing} " for existing in chosen):
            chosen.append(term)
    by_weight = {str(terms[index]): float(centre[index]) for index in heavy}
    return tuple(sorted(chosen, key=lambda term: -by_weight[term])[:NAME_PHRASES])
