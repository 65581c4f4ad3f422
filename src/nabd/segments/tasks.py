"""Hourly segment refresh: memberships follow the data (new purchases, answers, contacts).

The periodic task lists the workspaces that have segments and enqueues one refresh each, so
a slow workspace never holds up the others and a failed refresh retries on its own.
"""

from huey import crontab
from sqlalchemy.orm import Session

from nabd.jobs.context import job_transaction
from nabd.jobs.enqueue import enqueue_after_commit
from nabd.jobs.queue import huey
from nabd.segments import service
from nabd.segments.models import Segment


@huey.task(retries=3, retry_delay=60)
def refresh_workspace_segments(workspace_id: int) -> dict[int, int]:
    """Recompute one workspace's segments; returns {segment id: size}."""
    with job_transaction() as session:
        return service.refresh_workspace(session, workspace_id=workspace_id)


@huey.task(retries=3, retry_delay=60)
def refresh_one_segment(workspace_id: int, segment_id: int) -> int:
    """Compute one segment's membership: a large segment just saved."""
    with job_transaction() as session:
        segment = service.get_segment(session, workspace_id=workspace_id, segment_id=segment_id)
        return service.refresh_segment(session, segment=segment)


def refresh_later_if_pending(session: Session, segment: Segment) -> None:
    """A segment too large to compute in the request is computed by a job after the commit."""
    if service.is_pending(segment):
        enqueue_after_commit(session, refresh_one_segment, segment.workspace_id, segment.id)


@huey.periodic_task(crontab(minute="47"))
def refresh_segments_hourly() -> list[int]:
    with job_transaction() as session:
        workspace_ids = service.workspaces_with_segments(session)
    for workspace_id in workspace_ids:
        refresh_workspace_segments(workspace_id)
    return workspace_ids
