"""Background refresh of the snapshot and propagation of erasures.

Schedule: `refresh_due_snapshots` wakes every minute and enqueues a refresh for each
workspace whose snapshot is older than `NABD_ANALYTICS_REFRESH_MINUTES` (0 turns it off), so
the interval follows the settings without a restart; a nightly rebuild at 03:17 UTC picks up
rows changed in place and any row a long transaction slipped below a watermark.
"""

from huey import crontab

from nabd.analytics import erasure, snapshot
from nabd.analytics.layout import SnapshotBusy
from nabd.jobs.context import job_transaction
from nabd.jobs.queue import configured_settings, huey


@huey.task(retries=3, retry_delay=60)
def refresh_workspace_snapshot(workspace_id: int, rebuild: bool = False) -> dict[str, int]:
    """Refresh one workspace; skipped (not failed) when another refresh holds its snapshot."""
    settings = configured_settings()
    try:
        with job_transaction() as session:
            report = snapshot.refresh_snapshot(
                session,
                root=settings.resolved_analytics_dir,
                workspace_id=workspace_id,
                rebuild=rebuild,
                wait=False,
            )
    except SnapshotBusy:
        return {}
    return report.rows_written


@huey.task(retries=5, retry_delay=30)
def forget_customer_in_snapshot(workspace_id: int, customer_id: int) -> int:
    """Erasure's counterpart in the snapshot; enqueue it with `enqueue_after_commit`."""
    return erasure.forget_customer(
        configured_settings(), workspace_id=workspace_id, customer_id=customer_id
    )


@huey.periodic_task(crontab(minute="*"))
def refresh_due_snapshots() -> list[int]:
    every_minutes = configured_settings().analytics_refresh_minutes
    if every_minutes == 0:
        return []
    with job_transaction() as session:
        due = snapshot.workspaces_due(session, every_minutes=every_minutes)
    for workspace_id in due:
        refresh_workspace_snapshot(workspace_id)
    return due


@huey.periodic_task(crontab(minute="17", hour="3"))
def rebuild_snapshots_nightly() -> list[int]:
    if configured_settings().analytics_refresh_minutes == 0:
        return []
    with job_transaction() as session:
        workspace_ids = snapshot.all_workspace_ids(session)
    for workspace_id in workspace_ids:
        refresh_workspace_snapshot(workspace_id, rebuild=True)
    return workspace_ids
