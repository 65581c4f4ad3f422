"""The request-owned database session."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from nabd.core.group_commit import GroupCommit


def refuse_writes(request: Request) -> None:
    """Have this request's session roll back, not commit, when its handler returns.

    For a handler that answers a refusal (a page re-shown with 4xx) instead of raising: an
    exception rolls back by itself, a returned refusal would otherwise commit whatever its
    service had written before the check that refused.
    """
    request.state.refuses_writes = True


async def _request_session(request: Request) -> AsyncIterator[Session]:
    """Commit on success, roll back on error or refusal, like `nabd.core.db.transaction`.

    Async so that opening the session (no I/O: a connection is taken at its first
    statement) costs no hop to a worker thread; only a commit or rollback that still has
    work, which is I/O, goes to one. A handler that commits itself (the response API)
    leaves nothing here, so its request makes a single hop, for the handler.
    """
    session = request.app.state.session_factory()
    try:
        yield session
        if session.in_transaction():
            refused = getattr(request.state, "refuses_writes", False)
            await run_in_threadpool(session.rollback if refused else session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        await _close(session)


async def _close(session: Session) -> None:
    if session.in_transaction():  # the commit or rollback above failed half-way
        await run_in_threadpool(session.close)
    else:
        session.close()  # holds no connection any more: no I/O


# scope="function": the commit runs when the handler returns and before the response is
# sent, so anything acknowledged with a 2xx is already durable.
DbSession = Annotated[Session, Depends(_request_session, scope="function")]


async def _group_commit(request: Request) -> GroupCommit:
    """Async: no hop to a worker thread for reading an attribute."""
    group_commit: GroupCommit = request.app.state.group_commit
    return group_commit


# For an async route whose writes commit together with concurrent requests' (the single
# survey response): `nabd.core.group_commit`. Such a route does not use its DbSession.
SharedCommit = Annotated[GroupCommit, Depends(_group_commit)]
