"""A failing task is retried after its delay until it succeeds."""

from collections.abc import Callable

from huey import Huey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.jobs.consumer import EmbeddedConsumer
from tests.factories import make_workspace
from tests.jobs.polling import wait_for
from tests.jobs.tasks import flaky


def _runs(session: Session, workspace_id: int, action: str) -> int:
    session.rollback()
    return (
        session.scalar(
            select(func.count()).where(
                AuditLogEntry.workspace_id == workspace_id, AuditLogEntry.action == action
            )
        )
        or 0
    )


def test_a_failing_task_is_retried_until_it_succeeds(
    session: Session, queue: Huey, start_consumer: Callable[[], EmbeddedConsumer]
) -> None:
    workspace = make_workspace(session)
    assert (flaky.retries, flaky.retry_delay) == (3, 1)
    flaky(workspace.id, "job.flaky", 3)
    start_consumer()

    wait_for(lambda: _runs(session, workspace.id, "job.flaky.done") == 1, timeout=20)

    assert _runs(session, workspace.id, "job.flaky") == 3
    wait_for(lambda: queue.pending_count() == 0 and queue.scheduled_count() == 0)
