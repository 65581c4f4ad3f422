"""Hourly segment refresh: memberships follow the data (new purchases, answers, contacts).

The periodic task lists the workspaces that have segments and enqueues one refresh each, so
a slow workspace never holds up the others and a failed refresh retries on its own.
"""

from huey import crontab

from nabd.jobs.context import job_transaction
from nabd.jobs.queue import huey
from nabd.segments import service


@huey.task(retries=3, retry_delay=60)
def refresh_workspace_segments(workspace_id: int) -> dict[int, int]:
    """Recompute one workspace's segments; returns {segment id: size}."""
    with job_transaction() as session:
        return service.refresh_workspace(session, workspace_id=workspace_id)


@huey.periodic_task(crontab(minute="47"))
def refresh_segments_hourly() -> list[int]:
    with job_transaction() as session:
        workspace_ids = service.workspaces_with_segments(session)
    for workspace_id in workspace_ids:
        refresh_workspace_segments(workspace_id)
    return workspace_ids
