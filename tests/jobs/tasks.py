"""Tasks used by the tests: each run leaves an audit row, so runs can be counted in the database."""

from sqlalchemy import func, select

from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry, record_audit
from nabd.jobs.context import job_transaction
from nabd.jobs.queue import huey


def _record_run(workspace_id: int, action: str) -> int:
    with job_transaction() as session:
        record_audit(
            session,
            workspace_id=workspace_id,
            actor=SYSTEM_ACTOR,
            action=action,
            object_type="test",
        )
    with job_transaction() as session:
        return (
            session.scalar(
                select(func.count()).where(
                    AuditLogEntry.workspace_id == workspace_id, AuditLogEntry.action == action
                )
            )
            or 0
        )


@huey.task()
def record_run(workspace_id: int, action: str) -> int:
    return _record_run(workspace_id, action)


@huey.task(retries=3, retry_delay=1)
def flaky(workspace_id: int, action: str, succeed_on_attempt: int) -> int:
    attempt = _record_run(workspace_id, action)
    if attempt < succeed_on_attempt:
        raise RuntimeError(f"attempt {attempt} fails on purpose")
    _record_run(workspace_id, f"{action}.done")
    return attempt


@huey.task()
def add(left: int, right: int) -> int:
    return left + right
