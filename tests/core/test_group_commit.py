"""Group commit: concurrent units in one transaction, each isolated by its SAVEPOINT; the
rows they leave to the group; how a group gathers its units."""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core import group_commit as group_commit_module
from nabd.core.db import create_session_factory
from nabd.core.deferred_writes import write_later
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


def test_a_groups_journals_stay_in_memory_on_sqlite(
    engine: Engine, group_commit: GroupCommit
) -> None:
    """SQLite: a group's statement and SAVEPOINT journals are kept in memory, not spilled to
    a temporary file (`nabd.core.db.temp_store_in_memory`); its connection goes back to the
    pool with the temporary storage it had."""
    if engine.dialect.name != "sqlite":
        pytest.skip("temp_store is SQLite's setting")
    drivers: list[Any] = []

    def temp_store(session: Session) -> int:
        connection = session.connection()
        drivers.append(connection.connection.driver_connection)
        return int(connection.exec_driver_sql("PRAGMA temp_store").scalar_one())

    assert _in_one_group(group_commit, [temp_store, temp_store]) == [2, 2]  # 2: MEMORY
    [back] = {id(driver): driver for driver in drivers}.values()
    assert back.execute("PRAGMA temp_store").fetchone() == (0,)  # 0: the default


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


class ChannelWriter:
    """A deferred writer (`nabd.core.deferred_writes`) of channels, one INSERT per call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def write(self, session: Session, rows: list[tuple[int, str]]) -> None:
        self.calls.append([key for _, key in rows])
        session.execute(
            insert(Channel),
            [{"workspace_id": ws, "key": key, "name_ar": key, "name_en": key} for ws, key in rows],
        )

    def unit(self, workspace_id: int, key: str, *, fail: bool = False) -> Callable[[Session], str]:
        def work(session: Session) -> str:
            write_later(session, self.write, [(workspace_id, key)])
            if fail:
                raise ValueError("bad input")
            return key

        return work


def test_rows_left_to_the_group_are_written_once_before_the_commit(
    session: Session, group_commit: GroupCommit
) -> None:
    workspace_id = make_workspace(session).id
    session.commit()
    writer = ChannelWriter()
    outcomes = _in_one_group(group_commit, [writer.unit(workspace_id, k) for k in ("a", "b", "c")])
    assert outcomes == ["a", "b", "c"]
    assert writer.calls == [["a", "b", "c"]]
    assert _keys(session) == ["a", "b", "c"]


def test_a_failing_unit_takes_its_deferred_rows_with_it(
    session: Session, group_commit: GroupCommit
) -> None:
    workspace_id = make_workspace(session).id
    session.commit()
    writer = ChannelWriter()
    works = [
        writer.unit(workspace_id, "a"),
        writer.unit(workspace_id, "undone", fail=True),
        writer.unit(workspace_id, "c"),
    ]
    outcomes = _in_one_group(group_commit, works)
    assert outcomes[0] == "a" and outcomes[2] == "c" and isinstance(outcomes[1], ValueError)
    assert _keys(session) == ["a", "c"]


def test_a_failing_group_write_is_told_apart_per_unit(
    session: Session, group_commit: GroupCommit
) -> None:
    """The group's INSERT fails (a key taken twice): run again isolated, each unit's rows in
    its own SAVEPOINT, so only the unit whose row conflicts fails."""
    workspace_id = make_workspace(session).id
    session.commit()
    writer = ChannelWriter()
    keys = ("a", "b", "a", "d")
    outcomes = _in_one_group(group_commit, [writer.unit(workspace_id, k) for k in keys])
    assert writer.calls[0] == ["a", "b", "a", "d"]  # the group's one INSERT, rolled back
    assert outcomes[:2] == ["a", "b"] and outcomes[3] == "d"
    assert isinstance(outcomes[2], IntegrityError)
    assert _keys(session) == ["a", "b", "d"]


def test_a_unit_alone_keeps_the_error_of_its_deferred_rows(
    session: Session, group_commit: GroupCommit
) -> None:
    workspace_id = make_workspace(session).id
    session.add(Channel(workspace_id=workspace_id, key="web", name_ar="w", name_en="w"))
    session.commit()
    writer = ChannelWriter()
    [outcome] = _in_one_group(group_commit, [writer.unit(workspace_id, "web")])
    assert isinstance(outcome, IntegrityError) and len(writer.calls) == 1


def test_outside_a_group_commit_deferred_rows_are_written_at_once(session: Session) -> None:
    workspace_id = make_workspace(session).id
    writer = ChannelWriter()
    assert writer.unit(workspace_id, "web")(session) == "web"
    assert writer.calls == [["web"]]
    assert _keys(session) == ["web"]


def _queued(group_commit: GroupCommit, count: int, weight: int = 1) -> None:
    """`count` units queued as `GroupCommit.run` queues them (no writer is started)."""
    loop = asyncio.new_event_loop()
    try:
        for _ in range(count):
            group_commit._put(_Unit(lambda _session: None, loop.create_future(), weight=weight))
    finally:
        loop.close()


def test_a_group_gathers_the_callers_that_come_back_within_the_wait(
    group_commit: GroupCommit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_commit_module, "GATHER_SECONDS", 5.0)
    _queued(group_commit, 1)
    late = threading.Timer(0.05, _queued, (group_commit, 2))
    started = time.monotonic()
    late.start()
    group = group_commit._next_group(3)
    late.join()
    # Woken by the third unit, not by the end of the wait.
    assert len(group) == 3 and time.monotonic() - started < 2.5


def test_no_wait_after_a_wait_that_ran_out(
    group_commit: GroupCommit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_commit_module, "GATHER_SECONDS", 0.2)
    waits = []
    for _ in range(3):
        _queued(group_commit, 1)
        started = time.monotonic()
        assert len(group_commit._next_group(3)) == 1  # the other two callers never come
        waits.append(time.monotonic() - started)
    assert waits[0] >= 0.2 and waits[1] < 0.1 and waits[2] >= 0.2


def test_no_wait_when_the_expected_units_are_queued(group_commit: GroupCommit) -> None:
    _queued(group_commit, 3)
    started = time.monotonic()
    assert len(group_commit._next_group(3)) == 3
    assert time.monotonic() - started < group_commit_module.GATHER_SECONDS


def test_a_group_holds_at_most_max_group_weight_items(group_commit: GroupCommit) -> None:
    """Batches of events weigh their event count: three of 800 make two groups, and a unit
    heavier than the cap still runs (alone)."""
    _queued(group_commit, 3, weight=800)
    _queued(group_commit, 1, weight=group_commit_module.MAX_GROUP_WEIGHT + 1)
    _queued(group_commit, 2)
    sizes = [[unit.weight for unit in group_commit._next_group(0)] for _ in range(3)]
    assert sizes == [[800, 800], [800], [group_commit_module.MAX_GROUP_WEIGHT + 1]]
    assert [unit.weight for unit in group_commit._next_group(0)] == [1, 1]
