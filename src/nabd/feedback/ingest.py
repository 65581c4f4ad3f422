"""Batch ingestion of customer texts; every text goes through `record_feedback`."""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from nabd.customers.identity import record_activity, resolve_optional_customers
from nabd.events.batch import BatchOutcome, Rejection
from nabd.events.ingest import UNKNOWN_CHANNEL, UNKNOWN_TOUCHPOINT
from nabd.events.places import index_places
from nabd.feedback.schemas import FeedbackIn
from nabd.feedback.service import record_feedback


def ingest_feedback(
    session: Session, *, workspace_id: int, items: Sequence[tuple[int, FeedbackIn]]
) -> BatchOutcome:
    """Store each valid text once per (source, external_id); repeats count as duplicates."""
    outcome = BatchOutcome()
    places = index_places(
        session,
        workspace_id=workspace_id,
        channel_keys=(item.channel for _, item in items),
        touchpoint_keys=(item.touchpoint for _, item in items),
    )
    placed: list[tuple[FeedbackIn, int | None, int | None]] = []
    for index, item in items:
        touchpoint = places.touchpoints.get(item.touchpoint) if item.touchpoint else None
        channel_id = places.channels.get(item.channel) if item.channel else None
        if item.touchpoint and touchpoint is None:
            outcome.rejected.append(
                Rejection(index, "touchpoint", UNKNOWN_TOUCHPOINT, {"key": item.touchpoint})
            )
        elif item.channel and channel_id is None:
            outcome.rejected.append(
                Rejection(index, "channel", UNKNOWN_CHANNEL, {"key": item.channel})
            )
        else:
            if channel_id is None and touchpoint is not None:
                channel_id = touchpoint.channel_id
            placed.append((item, channel_id, touchpoint.id if touchpoint else None))
    customer_ids = resolve_optional_customers(
        session,
        workspace_id=workspace_id,
        references=[item.customer.identities() if item.customer else None for item, _, _ in placed],
        seen_at=[item.created_at for item, _, _ in placed],
        languages=[item.language for item, _, _ in placed],
    )
    activity: dict[int, tuple] = {}
    for (item, channel_id, touchpoint_id), customer_id in zip(placed, customer_ids, strict=True):
        _stored, created = record_feedback(
            session,
            workspace_id=workspace_id,
            source=item.source,
            text=item.text or "",
            created_at=item.created_at,
            external_id=item.external_id,
            customer_id=customer_id,
            channel_id=channel_id,
            touchpoint_id=touchpoint_id,
            language=item.language,
            rating=item.rating,
            rating_scale_max=item.rating_scale_max,
            details=item.stored_details(),
        )
        if not created:
            outcome.duplicates += 1
            continue
        outcome.accepted += 1
        if customer_id is not None:
            earliest, latest = activity.get(customer_id, (item.created_at, item.created_at))
            activity[customer_id] = (min(earliest, item.created_at), max(latest, item.created_at))
    record_activity(session, workspace_id=workspace_id, activity=activity)
    return outcome
