"""What analyses a workspace's texts: the one place that picks the model and the taxonomy.

Storage, the ingest job, the sweeper, `nabd text rescore` and the explorer all ask
`annotator_for`; a workspace's own taxonomy or trained model only has to be returned here
(with its versions) for every stored annotation to follow it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from nabd.text.backend import TextBackend
from nabd.text.pipeline import TextAnnotation, analyze
from nabd.text.topics import Taxonomy
from nabd.text.training_service import workspace_sentiment_backend
from nabd.text.workspace_topics import workspace_taxonomy


@dataclass(frozen=True)
class Annotator:
    """A taxonomy and a sentiment backend; their versions tell stale annotations apart."""

    taxonomy: Taxonomy
    backend: TextBackend

    @property
    def model_version(self) -> str:
        return f"{self.backend.name}/{self.backend.version}"

    @property
    def taxonomy_version(self) -> str:
        return self.taxonomy.version

    def annotate(self, texts: Sequence[str]) -> list[TextAnnotation]:
        """One annotation per text, in order."""
        return analyze(texts, taxonomy=self.taxonomy, backend=self.backend)

    def topic_label(self, topic_id: str, locale: str) -> str:
        """The topic's name in `locale` (English, then the id, when it has none)."""
        for topic in self.taxonomy.topics:
            if topic.id == topic_id:
                return topic.labels.get(locale) or topic.labels.get("en") or topic_id
        return topic_id


def annotator_for(session: Session, *, workspace_id: int) -> Annotator:
    """The annotator of a workspace's texts: its taxonomy and its active sentiment model."""
    return Annotator(
        taxonomy=workspace_taxonomy(session, workspace_id=workspace_id).taxonomy,
        backend=workspace_sentiment_backend(session, workspace_id=workspace_id),
    )
