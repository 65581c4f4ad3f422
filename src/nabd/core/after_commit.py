"""Run a call only once the caller's transaction has committed, and never if it does not.

Services never commit (the request or job owns the transaction), yet some of their effects
live outside the database: a job for the queue, a per-process cache to forget. Done at once,
they would act on a change that may still roll back, or (a cache) let a concurrent request
fill it again from the not yet committed state. The calls run once the transaction has
ended, after its connection went back to the pool: on SQLite that is when the process's
write lock is released (`nabd.core.sqlite_writers`), which a call that writes elsewhere (the
queue) would otherwise hold up for every other writer.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

_PENDING_KEY = "nabd.after_commit.pending"
_COMMITTED_KEY = "nabd.after_commit.committed"

PendingCall = tuple[Callable[..., object], tuple[Any, ...], dict[str, Any]]


def call_after_commit(
    session: Session, function: Callable[..., object], *args: Any, **kwargs: Any
) -> None:
    """Call `function(*args, **kwargs)` when `session` commits; forget it otherwise."""
    if not session.in_transaction():
        # Tie the call to a transaction now, so a rollback or close has one to end.
        session.begin()
    pending: list[PendingCall] = session.info.setdefault(_PENDING_KEY, [])
    pending.append((function, args, kwargs))


@event.listens_for(Session, "after_commit")
def _commit_pending(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a released SAVEPOINT also fires after_commit; wait for the real commit
    session.info[_COMMITTED_KEY] = session.info.pop(_PENDING_KEY, [])


@event.listens_for(Session, "after_transaction_end")
def _run_committed(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    # Left pending here: the transaction rolled back or closed without commit.
    session.info.pop(_PENDING_KEY, None)
    failure: Exception | None = None
    for function, args, kwargs in session.info.pop(_COMMITTED_KEY, []):
        # Every call runs even if an earlier one failed (an unreachable queue must not keep
        # a revoked token in the cache); the first failure is raised afterwards.
        try:
            function(*args, **kwargs)
        except Exception as error:
            failure = failure or error
    if failure is not None:
        raise failure
