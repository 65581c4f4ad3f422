"""Enqueue a task only once the caller's transaction has committed.

A job enqueued inside a transaction that later rolls back would act on rows that never
existed (or announce a change that was undone); `nabd.core.after_commit` makes a rolled-back
request send nothing, and sends the committed calls once the transaction has ended (on SQLite,
after the process's write lock is released).
"""

from typing import Any

from huey.api import TaskWrapper
from sqlalchemy.orm import Session

from nabd.core.after_commit import call_after_commit


def enqueue_after_commit(session: Session, task: TaskWrapper, *args: Any, **kwargs: Any) -> None:
    """Send `task(*args, **kwargs)` to the queue when `session` commits; forget it otherwise."""
    call_after_commit(session, task, *args, **kwargs)
