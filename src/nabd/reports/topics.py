"""The overview's top positive and negative topics, from the text annotations.

One grouped count over the topic annotations of the period (`explorer.topic_summary`, which
aggregates in SQL); the taxonomy is small, so ranking its rows here is bounded.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from nabd.metrics.places import Places
from nabd.text.explorer import FeedbackFilters, TopicSummary, topic_summary

TOP_TOPICS = 5


@dataclass(frozen=True)
class TopTopics:
    """The topics with most positive and most negative mentions."""

    positive: list[TopicSummary]
    negative: list[TopicSummary]


def top_topics(
    session: Session,
    *,
    workspace_id: int,
    channel: str | None,
    touchpoint: str | None,
    language: str | None,
    since: datetime,
    until: datetime,
    segment_id: int | None = None,
    journey_id: int | None = None,
    stage_id: int | None = None,
    places: Places | None = None,
) -> TopTopics:
    """Up to TOP_TOPICS topics each way, most mentions first; `until` is excluded. A journey
    or stage keeps the texts at its touchpoints. `places` resolves channel and touchpoint
    keys and journeys (the page's shared lookups)."""
    places = places or Places(session, workspace_id=workspace_id)
    filters = FeedbackFilters(
        channel_id=places.channels.get(channel) if channel else None,
        touchpoint_id=places.touchpoints.get(touchpoint) if touchpoint else None,
        language=language,
        since=since,
        until=until,
        segment_id=segment_id,
        touchpoint_ids=places.journey_filter(journey_id, stage_id),
    )
    summaries = topic_summary(session, workspace_id=workspace_id, filters=filters)
    return TopTopics(positive=_top(summaries, "positive"), negative=_top(summaries, "negative"))


def _top(summaries: list[TopicSummary], side: str) -> list[TopicSummary]:
    mentioned = [summary for summary in summaries if getattr(summary, side)]
    return sorted(mentioned, key=lambda s: (-getattr(s, side), s.topic))[:TOP_TOPICS]
