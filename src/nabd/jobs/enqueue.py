"""Enqueue a task only once the caller's transaction has committed.

A job enqueued inside a transaction that later rolls back would act on rows that never
existed (or announce a change that was undone); deferring to `after_commit` makes a
rolled-back request send nothing.
"""

from typing import Any

from huey.api import TaskWrapper
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_PENDING_KEY = "nabd.jobs.pending"

PendingCall = tuple[TaskWrapper, tuple[Any, ...], dict[str, Any]]


def enqueue_after_commit(session: Session, task: TaskWrapper, *args: Any, **kwargs: Any) -> None:
    """Send `task(*args, **kwargs)` to the queue when `session` commits; forget it otherwise."""
    if not session.in_transaction():
        # Tie the call to a transaction now, so a rollback or close has one to end.
        session.begin()
    pending: list[PendingCall] = session.info.setdefault(_PENDING_KEY, [])
    pending.append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released SAVEPOINT also fires after_commit; wait for the real commit
    for task, args, kwargs in session.info.pop(_PENDING_KEY, []):
        task(*args, **kwargs)


@event.listens_for(Session, "after_transaction_end")
def _drop_pending(session: Session, transaction: SessionTransaction) -> None:
    # Reached after a commit has already sent the calls, or after a rollback or a close
    # without commit: whatever is left belongs to a transaction that did not commit.
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
