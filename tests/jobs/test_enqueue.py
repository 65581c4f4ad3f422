"""Jobs leave only with a commit, and a committed job runs exactly once (real SQLite queue)."""

import time
from collections.abc import Callable

import pytest
from huey import Huey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.jobs.consumer import EmbeddedConsumer
from nabd.jobs.enqueue import enqueue_after_commit
from nabd.jobs.queue import JobsNotConfigured, huey
from tests.factories import make_workspace
from tests.jobs.polling import wait_for
from tests.jobs.tasks import record_run


def _runs(session: Session, workspace_id: int, action: str) -> int:
    session.rollback()  # a fresh snapshot of what the workers committed
    return (
        session.scalar(
            select(func.count()).where(
                AuditLogEntry.workspace_id == workspace_id, AuditLogEntry.action == action
            )
        )
        or 0
    )


def test_a_committed_job_runs_exactly_once(
    session: Session, queue: Huey, start_consumer: Callable[[], EmbeddedConsumer]
) -> None:
    workspace = make_workspace(session)
    enqueue_after_commit(session, record_run, workspace.id, "job.committed")
    assert queue.pending_count() == 0  # nothing leaves before the commit

    session.commit()
    assert queue.pending_count() == 1
    start_consumer()

    wait_for(lambda: _runs(session, workspace.id, "job.committed") == 1)
    wait_for(lambda: queue.pending_count() == 0 and queue.scheduled_count() == 0)
    time.sleep(0.3)  # a second delivery would show up within a few worker polls
    assert _runs(session, workspace.id, "job.committed") == 1


def test_a_rolled_back_job_never_runs(
    session: Session, queue: Huey, start_consumer: Callable[[], EmbeddedConsumer]
) -> None:
    workspace = make_workspace(session)
    enqueue_after_commit(session, record_run, workspace.id, "job.rolled-back")
    session.rollback()
    enqueue_after_commit(session, record_run, workspace.id, "job.closed")
    session.close()  # closing without a commit discards the transaction too
    enqueue_after_commit(session, record_run, workspace.id, "job.sent")
    session.commit()

    assert queue.pending_count() == 1
    start_consumer()
    wait_for(lambda: _runs(session, workspace.id, "job.sent") == 1)
    assert _runs(session, workspace.id, "job.rolled-back") == 0
    assert _runs(session, workspace.id, "job.closed") == 0


def test_queued_jobs_survive_the_process_that_queued_them(
    session: Session, jobs_settings, start_consumer: Callable[[], EmbeddedConsumer]
) -> None:
    from nabd.jobs.queue import configure_jobs

    workspace = make_workspace(session)
    configure_jobs(jobs_settings)
    record_run(workspace.id, "job.durable")
    # A new storage connection, as a restarted process would open, still finds the job.
    assert configure_jobs(jobs_settings).pending_count() == 1
    start_consumer()
    wait_for(lambda: _runs(session, workspace.id, "job.durable") == 1)


def test_enqueueing_before_configuration_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    from nabd.jobs import queue as queue_module

    monkeypatch.setattr(huey, "storage", queue_module._UnconfiguredStorage("nabd"))
    with pytest.raises(JobsNotConfigured):
        record_run(1, "never")
