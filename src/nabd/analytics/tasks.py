"""Background refresh of the snapshot and propagation of erasures.

Schedule: `refresh_due_snapshots` wakes every minute and enqueues a refresh for each
workspace whose snapshot is older than `NABD_ANALYTICS_REFRESH_MINUTES` (0 turns it off), so
the interval follows the settings without a restart; a nightly rebuild at 03:17 UTC picks up
rows changed in place and any row a long transaction slipped below a watermark.
"""

from collections.abc import Collection
from typing import Any

from huey import crontab
from huey.api import TaskWrapper
from sqlalchemy.orm import Session

from nabd.analytics import erasure, snapshot, topic_pairs
from nabd.analytics.layout import SnapshotBusy, workspace_lock
from nabd.jobs.context import job_transaction
from nabd.jobs.enqueue import enqueue_after_commit
from nabd.jobs.queue import configured_settings, has_queue, huey


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
    """Erasure's counterpart in the snapshot; `forget_customer_soon` queues it."""
    return erasure.forget_customer(
        configured_settings(), workspace_id=workspace_id, customer_id=customer_id
    )


def forget_customer_soon(session: Session, *, workspace_id: int, customer_id: int) -> None:
    """Queue `forget_customer_in_snapshot` for when `session` commits. A process without a
    queue (the CLI) leaves it to the next refresh, which applies every erasure tombstone
    recorded since the one before."""
    _enqueue_if_queued(session, forget_customer_in_snapshot, workspace_id, customer_id)


@huey.task(retries=5, retry_delay=30)
def resync_topics_in_snapshot(workspace_id: int, response_ids: list[int]) -> int:
    """The snapshot's topic pairs of these responses made equal to the database's."""
    root = configured_settings().resolved_analytics_dir
    with workspace_lock(root, workspace_id), job_transaction() as session:
        return topic_pairs.resync_responses(session, root, workspace_id, response_ids)


def resync_topics_soon(
    session: Session, *, workspace_id: int, response_ids: Collection[int]
) -> None:
    """Queue `resync_topics_in_snapshot` for when `session` commits. A process without a
    queue (the CLI) leaves it to the next refresh, which applies every topic correction
    logged since the one before."""
    _enqueue_if_queued(session, resync_topics_in_snapshot, workspace_id, sorted(response_ids))


def _enqueue_if_queued(session: Session, task: TaskWrapper, *args: Any) -> None:
    """`enqueue_after_commit`, in a process that has a job queue; elsewhere nothing (the
    refresh catches up on what these tasks would have done)."""
    if has_queue():
        enqueue_after_commit(session, task, *args)


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
