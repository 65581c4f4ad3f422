"""Group commit: concurrent units in one transaction, each isolated by its SAVEPOINT."""

import asyncio
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core.db import create_session_factory
from nabd.core.group_commit import GroupCommit, _Unit
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


@pytest.fixture
def savepoints(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("SAVEPOINT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def _in_one_group(group_commit: GroupCommit, works: list[Callable[[Session], Any]]) -> list[Any]:
    """Run `works` as one group, as the writer does with the units queued at once; each
    one's result or exception."""
    loop = asyncio.new_event_loop()
    try:
        units = [_Unit(work, loop.create_future()) for work in works]
        for index, unit in enumerate(units):
            unit.context.run(REQUEST_NAME.set, f"request-{index}")
        group_commit._run_group(units)
    finally:
        loop.close()
    return [unit.error if unit.error is not None else unit.result for unit in units]


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
    session: Session, group_commit: GroupCommit, commits: list[None], savepoints: list[str]
) -> None:
    workspace_id = make_workspace(session).id
    session.commit()
    commits.clear()
    works = [_add_channel(workspace_id, key) for key in ("web", "app", "store")]
    ids = _in_one_group(group_commit, works)
    assert len(commits) == 1
    assert savepoints == []  # none needed while every unit succeeds
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
    outcomes = _in_one_group(group_commit, works)
    assert outcomes[0] > 0 and outcomes[3] > 0
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "bad input"
    assert isinstance(outcomes[2], IntegrityError)
    assert _keys(session) == ["app", "store", "web"]


def test_a_unit_alone_fails_once_and_stores_nothing(
    session: Session, group_commit: GroupCommit
) -> None:
    workspace_id = make_workspace(session).id
    session.commit()
    calls: list[None] = []

    def fails_after_writing(session: Session) -> None:
        calls.append(None)
        _add_channel(workspace_id, "written-then-undone")(session)
        raise ValueError("bad input")

    [outcome] = _in_one_group(group_commit, [fails_after_writing])
    assert isinstance(outcome, ValueError) and len(calls) == 1
    assert _keys(session) == []


def test_a_failed_commit_fails_every_unit_of_the_group(session: Session, engine: Engine) -> None:
    workspace_id = make_workspace(session).id
    session.commit()
    factory = create_session_factory(engine)

    def refuse(_session: Session) -> None:
        raise RuntimeError("disk full")

    event.listen(factory, "before_commit", refuse)
    works = [_add_channel(workspace_id, key) for key in ("web", "app")]
    outcomes = _in_one_group(GroupCommit(factory), works)
    assert [str(outcome) for outcome in outcomes] == ["disk full", "disk full"]
    assert _keys(session) == []


def test_concurrent_callers_each_get_their_own_result_after_the_commit(
    session: Session, group_commit: GroupCommit
) -> None:
    workspace_id = make_workspace(session).id
    session.commit()

    async def caller(index: int) -> tuple[str, int]:
        REQUEST_NAME.set(f"request-{index}")

        def work(session: Session) -> tuple[str, int]:
            # Runs on the writer's thread, in its caller's context.
            return REQUEST_NAME.get(), _add_channel(workspace_id, f"c{index}")(session)

        return await group_commit.run(work)

    async def callers() -> list[tuple[str, int]]:
        return await asyncio.gather(*(caller(index) for index in range(20)))

    results = asyncio.run(callers())
    assert [name for name, _ in results] == [f"request-{index}" for index in range(20)]
    stored = dict(session.execute(select(Channel.id, Channel.key)).all())
    assert [stored[channel_id] for _, channel_id in results] == [f"c{i}" for i in range(20)]


def test_each_unit_runs_in_its_callers_context(group_commit: GroupCommit) -> None:
    outcomes = _in_one_group(group_commit, [lambda _session: REQUEST_NAME.get()] * 3)
    assert outcomes == ["request-0", "request-1", "request-2"]
