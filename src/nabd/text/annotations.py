"""Stored text annotations of feedback items and the analysts' corrections of them.

One current annotation per feedback item, replaced whenever the item is re-annotated; its
topics are also kept one row per topic so filters and the topic × sentiment summary are plain
indexed SQL on both engines. Every row goes with its feedback item (ON DELETE CASCADE), so
deleting or erasing the item removes the derived text (key phrases, search form) too.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import BigIntId, JSONDocument, utcnow

CORRECTABLE_FIELDS = ("sentiment", "intent", "emotion", "topics")


class FeedbackAnnotation(IdMixin, WorkspaceScoped, Base):
    """What the model said about one feedback item, with the analysts' corrections applied."""

    __tablename__ = "text_annotations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "feedback_item_id"),
        Index("ix_text_annotations_workspace_sentiment", "workspace_id", "sentiment"),
    )
    workspace_leads_an_index = True

    feedback_item_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("feedback_items.id", ondelete="CASCADE")
    )
    model_version: Mapped[str] = mapped_column(String(100))
    taxonomy_version: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    # [{"topic", "sentiment", "score", "spans": [[start, end], …]}], spans in the raw text.
    topics: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    intent: Mapped[str | None] = mapped_column(String(16))
    emotion: Mapped[str | None] = mapped_column(String(16))
    key_phrases: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    urgent: Mapped[bool | None]
    # [{"start", "end", "sentiment", "score"}]: clause offsets, not a copy of the text.
    sentences: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    # The folded form of the text (`normalize_for_search`), for accent- and hamza-blind search.
    search_text: Mapped[str] = mapped_column(Text)
    # Fields an analyst corrected; rescoring keeps their values.
    corrected_fields: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    annotated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnnotationTopic(IdMixin, WorkspaceScoped, Base):
    """One topic of one annotation and its sentiment there: the filterable, countable form."""

    __tablename__ = "text_annotation_topics"
    __table_args__ = (
        UniqueConstraint("workspace_id", "feedback_item_id", "topic"),
        Index("ix_text_annotation_topics_workspace_topic", "workspace_id", "topic"),
    )
    workspace_leads_an_index = True

    feedback_item_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("feedback_items.id", ondelete="CASCADE")
    )
    topic: Mapped[str] = mapped_column(String(64))
    sentiment: Mapped[str] = mapped_column(String(16))


class TextCorrection(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """An analyst's correction of one field of one item's annotation; the latest one wins.

    Kept as a log, not overwritten: the next workspace training run learns from them.
    """

    __tablename__ = "text_corrections"
    __table_args__ = (
        Index("ix_text_corrections_workspace_item", "workspace_id", "feedback_item_id"),
    )
    workspace_leads_an_index = True

    feedback_item_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("feedback_items.id", ondelete="CASCADE")
    )
    field: Mapped[str] = mapped_column(String(16))
    # A label, or for topics the topic ids joined with commas (possibly empty).
    value: Mapped[str] = mapped_column(String(1000))
    user_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("users.id", ondelete="SET NULL")
    )


def topic_rows(
    *, workspace_id: int, feedback_item_id: int, topics: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The `text_annotation_topics` rows of one annotation's topics."""
    return [
        {
            "workspace_id": workspace_id,
            "feedback_item_id": feedback_item_id,
            "topic": topic["topic"],
            "sentiment": topic["sentiment"],
        }
        for topic in topics
    ]
