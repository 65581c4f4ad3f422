"""Enqueue a task only once the caller's transaction has committed.

A job enqueued inside a transaction that later rolls back would act on rows that never
existed (or announce a change that was undone); deferring to `after_commit` makes a
rolled-back request send nothing. The calls are sent once the transaction has ended, after
its connection went back to the pool: on SQLite that is when the process's write lock is
released (`nabd.core.sqlite_writers`), which the queue's own write would otherwise hold up
for every other writer.
"""

from typing import Any

from huey.api import TaskWrapper
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_PENDING_KEY = "nabd.jobs.pending"
_COMMITTED_KEY = "nabd.jobs.committed"

PendingCall = tuple[TaskWrapper, tuple[Any, ...], dict[str, Any]]


def enqueue_after_commit(session: Session, task: TaskWrapper, *args: Any, **kwargs: Any) -> None:
    """Send `task(*args, **kwargs)` to the queue when `session` commits; forget it otherwise."""
    if not session.in_transaction():
        # Tie the call to a transaction now, so a rollback or close has one to end.
        session.begin()
    pending: list[PendingCall] = session.info.setdefault(_PENDING_KEY, [])
    pending.append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _commit_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released SAVEPOINT also fires after_commit; wait for the real commit
    session.info[_COMMITTED_KEY] = session.info.pop(_PENDING_KEY, [])


@event.listens_for(Session, "after_transaction_end")
def _send_committed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    # Left pending here: the transaction rolled back or closed without commit.
    session.info.pop(_PENDING_KEY, None)
    for task, args, kwargs in session.info.pop(_COMMITTED_KEY, []):
        task(*args, **kwargs)
