"""`identify` against concurrent batches, in the interleavings that once went wrong.

The first two hold `identify` still right after its first write (the known customer it
created) and let concurrent batches commit or wait around it, as PostgreSQL runs them side
by side. SQLite admits one writer at a time: a batch cannot run while `identify`'s
transaction has written, so these interleavings cannot happen there and they are skipped.
The last sends the snippet's and the server's requests at once, round after round.
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_session_factory, transaction
from nabd.customers import identity
from nabd.customers.identity import IdentifyResult
from nabd.customers.merge_models import CustomerMerge
from nabd.customers.models import Customer, CustomerIdentity
from nabd.customers.references import CustomerReference
from nabd.events.ingest import ingest_events
from nabd.events.models import Event
from nabd.events.rows import rows_of
from nabd.events.schemas import EventIn
from tests.events.factories import T0, bearer
from tests.events.test_collect import write_key
from tests.factories import make_workspace

ROUNDS = 20
AT = T0.isoformat()
VISITOR = "anon-7"
USER = "user-7"


@pytest.fixture
def postgresql_only(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's single writer serialises identify and the batches")


class Paused:
    """`identify`'s first `resolve_customer` (the known customer) held until `go`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.resolved = threading.Event()
        self.go = threading.Event()
        original = identity.resolve_customer

        def paused(*args: Any, **kwargs: Any) -> int:
            customer_id = original(*args, **kwargs)
            if not self.resolved.is_set():
                self.resolved.set()
                assert self.go.wait(timeout=30)
            return customer_id

        monkeypatch.setattr(identity, "resolve_customer", paused)


@pytest.fixture
def paused(monkeypatch: pytest.MonkeyPatch) -> Iterator[Paused]:
    pause = Paused(monkeypatch)
    yield pause
    pause.go.set()  # never leave a thread waiting


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """`work` running in a thread; its result, or its failure, lands in the list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as error:  # asserted by the test
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def _at_once(works: list[Callable[[], Any]]) -> list[Any]:
    """Each work in its own thread, started together: their results (each must succeed)."""
    start = threading.Barrier(len(works))

    def started(work: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            start.wait()
            return work()

        return run

    threads = [_in_thread(started(work)) for work in works]
    for thread, _ in threads:
        thread.join(timeout=60)
    results = [outcome[0] for _, outcome in threads]
    assert not any(isinstance(result, BaseException) for result in results), results
    return results


def _wait_for_a_lock_wait(engine: Engine) -> None:
    """Until some transaction of the test database waits for a lock (a row, an index entry)."""
    deadline = time.monotonic() + 10
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.scalar(query):
                return
        time.sleep(0.02)
    raise AssertionError("no transaction came to wait")


def _ingest(engine: Engine, workspace_id: int, event_id: str, customer: dict[str, str]) -> Any:
    item = EventIn.model_validate(
        {"event_id": event_id, "customer": customer, "type": "page_view", "timestamp": T0}
    )
    with transaction(create_session_factory(engine)) as own:
        return ingest_events(own, workspace_id=workspace_id, events=rows_of([(0, item)]))


def _identify(engine: Engine, workspace_id: int) -> IdentifyResult:
    with transaction(create_session_factory(engine)) as own:
        return identity.identify(
            own,
            workspace_id=workspace_id,
            anonymous_id=VISITOR,
            customer=CustomerReference(external_id=USER),
            at=T0,
            actor=SYSTEM_ACTOR,
        )


def _holders(session: Session) -> dict[str, int]:
    session.expire_all()
    return dict(session.execute(select(CustomerIdentity.value, CustomerIdentity.customer_id)).all())


def test_a_visitor_profile_committed_meanwhile_is_merged_without_a_deadlock(
    engine: Engine, session: Session, paused: Paused, postgresql_only: None
) -> None:
    """The visitor was unknown when `identify` began (no lock taken), created the user, then
    a batch committed the visitor's own profile and another batch, holding the event-writer
    lock shared, came to wait for the user's new identity. The merge's exclusive lock would
    wait for that batch: a deadlock, one side aborted. Instead `identify` rolls its writes
    back, takes the lock, and merges."""
    workspace = make_workspace(session)
    linking, linked = _in_thread(lambda: _identify(engine, workspace.id))
    assert paused.resolved.wait(timeout=30)
    _ingest(engine, workspace.id, "visit", {"anonymous_id": VISITOR})
    login, logged = _in_thread(
        lambda: _ingest(engine, workspace.id, "login", {"external_id": USER})
    )
    _wait_for_a_lock_wait(engine)  # the login batch, for the user's identity
    paused.go.set()
    for thread in (linking, login):
        thread.join(timeout=30)
    assert isinstance(linked[0], IdentifyResult), linked
    assert not isinstance(logged[0], BaseException), logged
    assert logged[0].accepted == 1
    result = linked[0]
    assert result.merge_id is not None
    holders = _holders(session)
    assert holders == {USER: result.customer_id, VISITOR: result.customer_id}
    assert session.scalar(select(func.count()).select_from(Customer)) == 1
    assert set(session.scalars(select(Event.customer_id))) == {result.customer_id}
    assert session.scalar(select(CustomerMerge.reason)) == "identify"


def test_a_visitor_id_stored_meanwhile_by_a_batch_is_still_linked(
    engine: Engine, session: Session, paused: Paused, postgresql_only: None
) -> None:
    """The visitor was unknown when `identify` looked, and a batch in flight stored the
    visitor's id first (its own new profile): `identify` lost that identity, and linked
    nothing. Now the batch's profile is merged into the user like any visitor's."""
    workspace = make_workspace(session)
    linking, linked = _in_thread(lambda: _identify(engine, workspace.id))
    assert paused.resolved.wait(timeout=30)
    stored, commit = threading.Event(), threading.Event()

    def visit() -> Any:
        with transaction(create_session_factory(engine)) as own:
            item = EventIn.model_validate(
                {"event_id": "visit", "customer": {"anonymous_id": VISITOR}}
                | {"type": "page_view", "timestamp": T0}
            )
            outcome = ingest_events(own, workspace_id=workspace.id, events=rows_of([(0, item)]))
            stored.set()
            assert commit.wait(timeout=30)
            return outcome

    visiting, visited = _in_thread(visit)
    assert stored.wait(timeout=30)
    paused.go.set()
    _wait_for_a_lock_wait(engine)  # identify, for the visitor's identity
    commit.set()
    for thread in (linking, visiting):
        thread.join(timeout=30)
    assert isinstance(linked[0], IdentifyResult), linked
    assert visited[0].accepted == 1
    result = linked[0]
    assert result.merge_id is not None
    assert _holders(session) == {USER: result.customer_id, VISITOR: result.customer_id}
    assert set(session.scalars(select(Event.customer_id))) == {result.customer_id}


def _snippet(client: TestClient, key: str, visitor: str, item: dict[str, Any]) -> Response:
    body = {"write_key": key, "anonymous_id": visitor, "batch": [item | {"timestamp": AT}]}
    return client.post("/api/v1/collect", content=json.dumps(body))


def _login(client: TestClient, headers: dict[str, str], user: str, event_id: str) -> Response:
    login = {"event_id": event_id, "customer": {"external_id": user}}
    login |= {"type": "login", "timestamp": AT}
    return client.post("/api/v1/events", json={"events": [login]}, headers=headers)


def test_the_snippet_identify_and_a_server_login_at_once(
    client: TestClient, session: Session
) -> None:
    """A new visitor's page view and identify call (two snippet requests) and the server's
    login event for the same new user, sent at once, round after round: every request is
    answered 200 and the visitor, the user and their three events end as one customer."""
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    key = write_key(client, session, workspace)
    client.app.state.settings.collect_rate_limit = "10000/minute"  # type: ignore[attr-defined]
    for round_ in range(ROUNDS):
        visitor, user = f"anon-{round_}", f"user-{round_}"
        view = {"kind": "track", "event_id": f"view-{round_}", "type": "page_view"}
        call = {"kind": "identify", "event_id": f"identify-{round_}", "user_id": user}
        replies = _at_once(
            [
                partial(_snippet, client, key, visitor, view),
                partial(_snippet, client, key, visitor, call),
                partial(_login, client, headers, user, f"login-{round_}"),
            ]
        )
        for reply in replies:
            assert reply.status_code == 200, reply.text
            assert reply.json()["accepted"] == 1
        holders = _holders(session)
        assert holders[visitor] == holders[user]
        events = session.scalars(
            select(Event.customer_id).where(Event.client_event_id.endswith(f"-{round_}"))
        )
        assert list(events) == [holders[user]] * 3
