"""Group commit: concurrent units in one transaction, each isolated by its SAVEPOINT."""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core.db import create_session_factory
from nabd.core.group_commit import GroupCommit
from nabd.journeys.models import Channel
from tests.factories import make_workspace

REQUEST_NAME: ContextVar[str] = ContextVar("request_name", default="none")


@pytest.fixture
def group_commit(engine: Engine) -> GroupCommit:
    return GroupCommit(create_session_factory(engine))


@pytest.fixture
def commits(engine: Engine) -> Iterator[list[None]]:
    seen: list[None] = []

    def count(_connection: Any) -> None:
        seen.append(None)

    event.listen(engine, "commit", count)
    yield seen
    event.remove(engine, "commit", count)


def _in_one_group(
    group_commit: GroupCommit, works: list[Callable[[Session], Any]]
) -> list[Future[Any]]:
    """Run `works` from one thread each, all queued before the first group starts."""
    pool = ThreadPoolExecutor(len(works))
    with group_commit._writer:  # held, so that every caller queues behind it
        futures = []
        for index, work in enumerate(works):
            futures.append(pool.submit(_named, f"request-{index}", group_commit, work))
        deadline = time.monotonic() + 10
        while len(group_commit._queue) < len(works) and time.monotonic() < deadline:
            time.sleep(0.005)
    pool.shutdown(wait=True)
    return futures


def _named(name: str, group_commit: GroupCommit, work: Callable[[Session], Any]) -> Any:
    REQUEST_NAME.set(name)
    return group_commit.run(work)


def _add_channel(workspace_id: int, key: str) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        channel = Channel(workspace_id=workspace_id, key=key, name_ar=key, name_en=key)
        session.add(channel)
        session.flush()
        return channel.id

    return work


def _keys(session: Session) -> list[str]:
    return sorted(session.scalars(select(Channel.key)))


def test_concurrent_units_commit_once_and_each_gets_its_result(
    session: Session, group_commit: GroupCommit, commits: list[None]
) -> None:
    workspace_id = make_workspace(session).id
    session.commit()
    commits.clear()
    works = [_add_channel(workspace_id, key) for key in ("web", "app", "store")]
    futures = _in_one_group(group_commit, works)
    ids = [future.result() for future in futures]
    assert len(commits) == 1
    assert _keys(session) == ["app", "store", "web"]
    stored = {
        key: channel_id for key, channel_id in session.execute(select(Channel.key, Channel.id))
    }
    assert ids == [stored["web"], stored["app"], stored["store"]]


def test_a_failing_unit_is_rolled_back_alone(session: Session, group_commit: GroupCommit) -> None:
    workspace_id = make_workspace(session).id
    session.add(Channel(workspace_id=workspace_id, key="web", name_ar="w", name_en="w"))
    session.commit()

    def fails_after_writing(session: Session) -> None:
        _add_channel(workspace_id, "written-then-undone")(session)
        raise ValueError("bad input")

    works = [
        _add_channel(workspace_id, "app"),
        fails_after_writing,
        _add_channel(workspace_id, "web"),  # the key's unique constraint: a database error
        _add_channel(workspace_id, "store"),
    ]
    futures = _in_one_group(group_commit, works)
    assert futures[0].result() > 0 and futures[3].result() > 0
    with pytest.raises(ValueError, match="bad input"):
        futures[1].result()
    with pytest.raises(IntegrityError):
        futures[2].result()
    assert _keys(session) == ["app", "store", "web"]


def test_a_failed_commit_fails_every_unit_of_the_group(session: Session, engine: Engine) -> None:
    workspace_id = make_workspace(session).id
    session.commit()
    factory = create_session_factory(engine)

    def refuse(_session: Session) -> None:
        raise RuntimeError("disk full")

    event.listen(factory, "before_commit", refuse)
    works = [_add_channel(workspace_id, key) for key in ("web", "app")]
    futures = _in_one_group(GroupCommit(factory), works)
    for future in futures:
        with pytest.raises(RuntimeError, match="disk full"):
            future.result()
    assert _keys(session) == []


def test_each_unit_runs_in_its_callers_context(group_commit: GroupCommit) -> None:
    futures = _in_one_group(group_commit, [lambda _session: REQUEST_NAME.get()] * 3)
    assert [future.result() for future in futures] == ["request-0", "request-1", "request-2"]
