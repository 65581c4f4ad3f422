"""Discovered topics of a workspace, computed on demand from its latest uncovered comments.

On demand rather than as a job: clustering the latest few thousand comments takes well under
a second (TF-IDF + MiniBatchKMeans), and the answer then always reflects the taxonomy the
analyst has just edited — a promoted cluster disappears at once.
"""

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.feedback.models import FeedbackItem
from nabd.text.discovery import discover_topics
from nabd.text.language import identify_languages
from nabd.text.workspace_topics import workspace_taxonomy

MAX_COMMENTS = 5000
EXAMPLES_PER_TOPIC = 5
_NON_KEY = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class DiscoveredTopicView:
    """A cluster as shown to the analyst, with what promoting it would create."""

    phrases: tuple[str, ...]
    count: int
    language: str
    examples: tuple[str, ...]
    suggested_key: str


@dataclass(frozen=True)
class Discovery:
    scanned: int
    uncovered: int
    topics: list[DiscoveredTopicView]


def discover_workspace_topics(
    session: Session, *, workspace_id: int, limit: int = MAX_COMMENTS
) -> Discovery:
    """Cluster the workspace's latest ``limit`` comments that match no topic of its taxonomy."""
    taxonomy = workspace_taxonomy(session, workspace_id=workspace_id).taxonomy
    texts = list(
        session.scalars(
            select(FeedbackItem.text)
            .where(FeedbackItem.workspace_id == workspace_id)
            .order_by(FeedbackItem.created_at.desc(), FeedbackItem.id.desc())
            .limit(limit)
        )
    )
    uncovered = [text for text in texts if text.strip() and not taxonomy.find(text)]
    languages = [result.language for result in identify_languages(uncovered)]
    topics = [
        DiscoveredTopicView(
            phrases=topic.phrases,
            count=len(topic.members),
            language=topic.language,
            examples=tuple(uncovered[member] for member in topic.members[:EXAMPLES_PER_TOPIC]),
            suggested_key=_suggested_key(topic.phrases, number),
        )
        for number, topic in enumerate(discover_topics(uncovered, languages), start=1)
    ]
    return Discovery(scanned=len(texts), uncovered=len(uncovered), topics=topics)


def _suggested_key(phrases: tuple[str, ...], number: int) -> str:
    """A key from the English name, or ``discovered_N`` for a name in Arabic script."""
    key = _NON_KEY.sub("_", "_".join(phrases[:2]).lower()).strip("_")[:60]
    if len(key) >= 2 and key[0].isalpha():
        return key
    return f"discovered_{number}"
