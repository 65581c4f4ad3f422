"""Segments: create, read, change, delete, and refresh their stored membership.

Membership is recomputed from one set-based query per segment (`evaluation.py`) when a
definition is saved, by the periodic job and by `nabd segments refresh`. Never commits.
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.errors import Conflict, ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.pagination import Page, PageRequest, paginate
from nabd.core.types import utcnow
from nabd.customers.models import Customer
from nabd.goals.models import Goal
from nabd.journeys import service as journeys
from nabd.segments.definition import INVALID, Definition, InvalidDefinition, parse_definition
from nabd.segments.errors import SegmentNotFound
from nabd.segments.evaluation import matching_customers
from nabd.segments.models import Segment, SegmentMembership
from nabd.segments.schemas import SegmentIn, SegmentPatch

# Ids per statement when writing a membership difference (below SQLite's variable limit).
WRITE_BATCH = 5_000
# Segments up to this size are computed while the page or API call waits (see bench/README.md).
INLINE_REFRESH_LIMIT = 100_000


class SegmentInUse(Conflict):
    pass


def get_segment(session: Session, *, workspace_id: int, segment_id: int) -> Segment:
    segment = session.scalar(
        select(Segment).where(Segment.workspace_id == workspace_id, Segment.id == segment_id)
    )
    if segment is None:
        raise SegmentNotFound(N_("Segment not found."))
    return segment


def list_segments(session: Session, *, workspace_id: int) -> list[Segment]:
    """Every segment of the workspace, oldest first (a workspace has tens, not thousands)."""
    return list(
        session.scalars(
            select(Segment).where(Segment.workspace_id == workspace_id).order_by(Segment.id)
        )
    )


def segment_exists(session: Session, *, workspace_id: int, segment_id: int) -> bool:
    return (
        session.scalar(
            select(Segment.id).where(Segment.workspace_id == workspace_id, Segment.id == segment_id)
        )
        is not None
    )


def check_segment_filter(session: Session, *, workspace_id: int, segment_id: int | None) -> None:
    """A list filter's `segment_id` names a segment of the workspace, or it is a 422."""
    if segment_id is not None and not segment_exists(
        session, workspace_id=workspace_id, segment_id=segment_id
    ):
        raise ValidationFailed(
            N_("Invalid query parameters."),
            details=[ErrorDetail(field="segment_id", reason=N_("No segment has this id."))],
        )


def member_ids(*, workspace_id: int, segment_id: int) -> Select[int]:
    """SELECT customer_id of the segment's members, for other domains' list filters."""
    return select(SegmentMembership.customer_id).where(
        SegmentMembership.workspace_id == workspace_id,
        SegmentMembership.segment_id == segment_id,
    )


def checked_definition(
    session: Session, *, workspace_id: int, document: Any, path: str = "definition"
) -> Definition:
    """Parse the document and check the channel keys it names exist in the workspace."""
    definition = parse_definition(document, path=path)
    channels = _channel_ids(session, workspace_id)
    details = [
        ErrorDetail(
            field=f"{path}.conditions[{index}].value[{position}]",
            reason=N_("No channel has this key."),
        )
        for index, condition in enumerate(definition.conditions)
        if condition.field == "channel"
        for position, key in enumerate(condition.value)
        if key not in channels
    ]
    if details:
        raise InvalidDefinition(INVALID, details=details)
    return definition


def preview_size(
    session: Session, *, workspace_id: int, document: Any, now: datetime | None = None
) -> int:
    """How many customers the definition matches now, without saving anything."""
    definition = checked_definition(session, workspace_id=workspace_id, document=document)
    matching = _matching(session, workspace_id, definition, now or utcnow()).subquery()
    return int(session.scalar(select(func.count()).select_from(matching)) or 0)


def create_segment(
    session: Session, *, workspace_id: int, data: SegmentIn, actor: Actor
) -> Segment:
    """A new segment, its membership computed at once."""
    definition = checked_definition(session, workspace_id=workspace_id, document=data.definition)
    segment = Segment(
        workspace_id=workspace_id,
        name_ar=data.name_ar,
        name_en=data.name_en,
        description=data.description,
        definition=definition.as_document(),
    )
    session.add(segment)
    session.flush()
    _refresh_if_small(session, segment=segment)
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="segment.create",
        object_type="segment",
        object_id=segment.id,
        details={"name_en": segment.name_en, "definition": segment.definition},
    )
    return segment


def update_segment(
    session: Session, *, workspace_id: int, segment_id: int, changes: SegmentPatch, actor: Actor
) -> Segment:
    """Apply `changes`; a new definition is checked first and refreshes the membership."""
    segment = get_segment(session, workspace_id=workspace_id, segment_id=segment_id)
    changed = changes.model_dump(exclude_unset=True)
    for field in ("name_ar", "name_en", "description", "definition"):
        if field in changed and changed[field] is None:
            raise InvalidDefinition(
                N_("The segment is not valid."),
                details=[ErrorDetail(field, N_("This field is required."))],
            )
    definition = None
    if "definition" in changed:
        definition = checked_definition(
            session, workspace_id=workspace_id, document=changed["definition"]
        )
    for field in ("name_ar", "name_en", "description"):
        if field in changed:
            setattr(segment, field, changed[field])
    if definition is not None:
        segment.definition = definition.as_document()
    segment.updated_at = utcnow()
    session.flush()
    if definition is not None:
        _refresh_if_small(session, segment=segment)
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="segment.update",
        object_type="segment",
        object_id=segment.id,
        details={"changed": sorted(changed), "definition": segment.definition},
    )
    return segment


def delete_segment(session: Session, *, workspace_id: int, segment_id: int, actor: Actor) -> None:
    """Delete a segment and its membership; refused while a goal is scoped to it."""
    segment = get_segment(session, workspace_id=workspace_id, segment_id=segment_id)
    goals = session.scalar(
        select(func.count(Goal.id)).where(
            Goal.workspace_id == workspace_id, Goal.segment_id == segment_id
        )
    )
    if goals:
        raise SegmentInUse(
            N_("%(count)s goals are scoped to this segment; change them first."),
            params={"count": goals},
        )
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="segment.delete",
        object_type="segment",
        object_id=segment.id,
        details={"name_en": segment.name_en, "name_ar": segment.name_ar, "size": segment.size},
    )
    session.execute(delete(SegmentMembership).where(SegmentMembership.segment_id == segment.id))
    session.delete(segment)
    session.flush()


def refresh_segment(
    session: Session,
    *,
    segment: Segment,
    now: datetime | None = None,
    matched: set[int] | None = None,
) -> int:
    """Bring the stored members in line with the definition; returns and records the size.

    The definition is evaluated by one set-based query, unless the caller has just read the
    matching ids (`matched`, evaluated at `now`). A segment without stored members gets them
    by one INSERT … SELECT; otherwise the matching ids and the stored ones are read (two
    index or table scans) and only the difference is written, in batches, so the hourly
    refresh of a segment that barely changed writes next to nothing. Reading both sides
    keeps the plan simple: an anti-join between two large sets is only as good as the
    planner's statistics, which are stale right after a large import.
    """
    now = now or utcnow()
    workspace_id = segment.workspace_id
    matching = _matching(session, workspace_id, parse_definition(segment.definition), now)
    stored = select(SegmentMembership.customer_id).where(SegmentMembership.segment_id == segment.id)
    has_members = session.scalar(stored.limit(1)) is not None
    if matched is not None or has_members:
        wanted = matched if matched is not None else set(session.scalars(matching))
        current = set(session.scalars(stored)) if has_members else set()
        _write_difference(
            session, segment=segment, joining=wanted - current, leaving=current - wanted
        )
    else:
        rows = select(literal(segment.id), matching.subquery().c.id, literal(workspace_id))
        session.execute(
            insert(SegmentMembership).from_select(
                ["segment_id", "customer_id", "workspace_id"], rows
            )
        )
    size = session.scalar(
        select(func.count())
        .select_from(SegmentMembership)
        .where(SegmentMembership.segment_id == segment.id)
    )
    segment.size = int(size or 0)
    segment.refreshed_at = now
    session.flush()
    return segment.size


def _refresh_if_small(session: Session, *, segment: Segment) -> None:
    """Compute the membership now when it is small; otherwise mark it pending for a job.

    A saved page or API call answers with the size at once for segments up to
    INLINE_REFRESH_LIMIT members; a larger one would hold the request (and, on SQLite, the
    write lock) for seconds, so the caller enqueues `refresh_one_segment` after its commit.
    The matching ids are read once, stopping after one more than the limit, and the same
    read feeds the refresh: a small segment's definition is evaluated once per save.
    """
    now = utcnow()
    definition = parse_definition(segment.definition)
    first = _matching(session, segment.workspace_id, definition, now).limit(
        INLINE_REFRESH_LIMIT + 1
    )
    matched = set(session.scalars(first))
    if len(matched) <= INLINE_REFRESH_LIMIT:
        refresh_segment(session, segment=segment, now=now, matched=matched)
    else:
        segment.size = None
        segment.refreshed_at = None


def is_pending(segment: Segment) -> bool:
    """Whether the segment's membership waits for a background refresh."""
    return segment.refreshed_at is None


def _write_difference(
    session: Session, *, segment: Segment, joining: set[int], leaving: set[int]
) -> None:
    for chunk in _chunks(sorted(leaving)):
        session.execute(
            delete(SegmentMembership).where(
                SegmentMembership.segment_id == segment.id,
                SegmentMembership.customer_id.in_(chunk),
            )
        )
    for chunk in _chunks(sorted(joining)):
        session.execute(
            insert(SegmentMembership),
            [
                {
                    "segment_id": segment.id,
                    "customer_id": customer_id,
                    "workspace_id": segment.workspace_id,
                }
                for customer_id in chunk
            ],
        )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), WRITE_BATCH):
        yield ids[start : start + WRITE_BATCH]


def refresh_workspace(
    session: Session, *, workspace_id: int, now: datetime | None = None
) -> dict[int, int]:
    """Refresh every segment of the workspace; returns {segment id: size}."""
    return {
        segment.id: refresh_segment(session, segment=segment, now=now)
        for segment in list_segments(session, workspace_id=workspace_id)
    }


def workspaces_with_segments(session: Session) -> list[int]:
    return list(
        session.scalars(select(Segment.workspace_id).distinct().order_by(Segment.workspace_id))
    )


def list_members(
    session: Session, *, workspace_id: int, segment_id: int, page: PageRequest
) -> Page[Customer]:
    """The segment's customers by id, as of its last refresh."""
    get_segment(session, workspace_id=workspace_id, segment_id=segment_id)
    statement = select(Customer).where(
        Customer.workspace_id == workspace_id,
        Customer.id.in_(member_ids(workspace_id=workspace_id, segment_id=segment_id)),
    )
    return paginate(session, statement, id_column=Customer.id, page=page)


def _channel_ids(session: Session, workspace_id: int) -> dict[str, int]:
    return {c.key: c.id for c in journeys.list_channels(session, workspace_id=workspace_id)}


def _matching(
    session: Session, workspace_id: int, definition: Definition, now: datetime
) -> Select[int]:
    return matching_customers(
        workspace_id=workspace_id,
        definition=definition,
        channel_ids=_channel_ids(session, workspace_id),
        now=now,
    )
