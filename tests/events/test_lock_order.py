"""Concurrent batches over the same new customers, event ids and order ids in opposite orders.

On PostgreSQL a row that another open transaction inserted under the same unique key makes
the insert wait for that transaction: two batches inserting the same keys in opposite orders
would each wait for the other (a deadlock, one of them aborted with a 500). Ingestion inserts
them in key order, so here every batch of every round must be stored and answered. SQLite
admits one writer at a time, so there these tests only check the outcome. The last test
checks that concurrent purchases by the same buyers are all counted in their summaries.
"""

import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nabd.core.db import create_session_factory, transaction
from nabd.customers.models import Customer, CustomerIdentity, CustomerSearchTerm, CustomerSeen
from nabd.events.batch import BatchOutcome
from nabd.events.ingest import ingest_events, ingest_transactions
from nabd.events.models import Event, Transaction
from nabd.events.rows import rows_of
from nabd.events.schemas import EventIn, TransactionIn
from tests.events.factories import T0, bearer
from tests.events.factories import transaction as transaction_item
from tests.factories import make_workspace
from tests.lanes import RouteCalls

ROUNDS = 5
T = TypeVar("T")
R = TypeVar("R")


def _at_once(work: Callable[[T], R], inputs: list[T]) -> list[R]:
    """`work` of each input in its own thread, started together: their results (every run
    must succeed)."""
    start = threading.Barrier(len(inputs))
    results: list[Any] = [None] * len(inputs)
    failures: list[BaseException] = []

    def run(position: int) -> None:
        try:
            start.wait()
            results[position] = work(inputs[position])
        except BaseException as error:  # reported below, with the assertion
            failures.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return results


def _events(ids: list[str], customers: list[str]) -> list[tuple[int, EventIn]]:
    return [
        (
            n,
            EventIn.model_validate(
                {
                    "event_id": event_id,
                    "customer": {"email": f"{customer}@example.com"},
                    "type": "page_view",
                    "timestamp": (T0 + timedelta(seconds=n)).isoformat(),
                }
            ),
        )
        for n, (event_id, customer) in enumerate(zip(ids, customers, strict=True))
    ]


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _assert_stored_once(session: Session, *, customers: int, events: int) -> None:
    """One customer per identity with its seen row and terms, one event per id, no orphan."""
    assert _count(session, Customer) == customers
    assert _count(session, CustomerIdentity) == customers
    assert _count(session, CustomerSeen) == customers
    assert _count(session, Event) == events
    orphans = session.scalar(
        select(func.count())
        .select_from(Event)
        .outerjoin(Customer, Event.customer_id == Customer.id)
        .where(Customer.id.is_(None))
    )
    assert orphans == 0
    assert _count(session, CustomerSearchTerm) == session.scalar(
        select(func.count())
        .select_from(CustomerSearchTerm)
        .join(Customer, Customer.id == CustomerSearchTerm.customer_id)
    )


def _ingest(engine: Engine, workspace_id: int, items: list[tuple[int, EventIn]]) -> BatchOutcome:
    with transaction(create_session_factory(engine)) as own:
        return ingest_events(own, workspace_id=workspace_id, events=rows_of(items))


@pytest.mark.parametrize("size", [300, 8], ids=["copied", "few"])
def test_batches_creating_the_same_customers_in_opposite_orders(
    engine: Engine, session: Session, size: int
) -> None:
    """Each batch's events are its own; the customers they name are new to both. More than
    16 events go by COPY (`_ingest_unlooked`), fewer by `INSERT … ON CONFLICT`."""
    workspace = make_workspace(session)
    for round_ in range(ROUNDS):
        people = [f"r{round_}-p{n}" for n in range(size)]
        forward = _events([f"a{round_}-{n}" for n in range(size)], people)
        backward = _events([f"b{round_}-{n}" for n in range(size)], people[::-1])
        outcomes = _at_once(partial(_ingest, engine, workspace.id), [forward, backward])
        assert [(o.accepted, o.duplicates) for o in outcomes] == [(size, 0), (size, 0)]
        _assert_stored_once(session, customers=size * (round_ + 1), events=2 * size * (round_ + 1))


@pytest.mark.parametrize("known", [False, True], ids=["new-customers", "known-customers"])
@pytest.mark.parametrize("size", [300, 8], ids=["copied", "few"])
def test_batches_carrying_the_same_event_ids_in_opposite_orders(
    engine: Engine, session: Session, size: int, known: bool
) -> None:
    """The same events sent twice at once, one batch reversed: one of each is stored, the
    other answered as a duplicate, and no customer is made twice. With known customers the
    batches meet only on the events' unique key."""
    workspace = make_workspace(session)
    people = [f"p{n}" for n in range(size)]
    if known:
        _ingest(engine, workspace.id, _events([f"known-{n}" for n in range(size)], people))
    for round_ in range(ROUNDS):
        if not known:
            people = [f"r{round_}-p{n}" for n in range(size)]
        forward = _events([f"r{round_}-e{n}" for n in range(size)], people)
        backward = [(n, event) for n, (_, event) in enumerate(reversed(forward))]
        outcomes = _at_once(partial(_ingest, engine, workspace.id), [forward, backward])
        assert sum(o.accepted for o in outcomes) == size
        assert sum(o.duplicates for o in outcomes) == size
        customers = size if known else size * (round_ + 1)
        events = size * (round_ + 2) if known else size * (round_ + 1)
        _assert_stored_once(session, customers=customers, events=events)


def test_the_events_api_answers_every_crossing_batch(
    client: TestClient, session: Session, route_calls: RouteCalls
) -> None:
    """Over HTTP, three clients at once: two send the same events in opposite orders, the
    third other events of the same new customers; every request is answered 200, each by
    the lane at its first run (a unit that failed, as on a deadlock, would be run again by
    the route: `nabd.api.lane`)."""
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    warm = client.post("/api/v1/events", json={"events": []}, headers=headers)
    assert warm.status_code == 200  # the route's, which lets the lane serve this token
    size = 200
    for round_ in range(ROUNDS):
        people = [{"external_id": f"r{round_}-p{n}"} for n in range(size)]
        times = [(T0 + timedelta(seconds=n)).isoformat() for n in range(size)]
        same = [
            {"event_id": f"r{round_}-e{n}", "customer": person, "type": "page_view"}
            | {"timestamp": at}
            for n, (person, at) in enumerate(zip(people, times, strict=True))
        ]
        other = [{**item, "event_id": f"r{round_}-o{n}"} for n, item in enumerate(same)]

        def post(items: list[dict[str, Any]]) -> dict[str, Any]:
            reply = client.post("/api/v1/events", json={"events": items}, headers=headers)
            assert reply.status_code == 200, reply.text
            answer: dict[str, Any] = reply.json()
            return answer

        answers = _at_once(post, [same, same[::-1], other[::-1]])
        assert sum(answer["accepted"] for answer in answers[:2]) == size
        assert sum(answer["duplicates"] for answer in answers[:2]) == size
        assert answers[2] == {"accepted": size, "duplicates": 0, "rejected": []}
        _assert_stored_once(session, customers=size * (round_ + 1), events=2 * size * (round_ + 1))
    assert route_calls.count == 1


def test_transactions_with_the_same_order_ids_in_opposite_orders(
    engine: Engine, session: Session
) -> None:
    """Each order twice, the second batch reversed, for new buyers: stored once each."""
    workspace = make_workspace(session)
    size = 200
    for round_ in range(ROUNDS):
        items = [
            (
                n,
                TransactionIn.model_validate(
                    transaction_item(f"r{round_}-o{n}", customer={"external_id": f"r{round_}-b{n}"})
                ),
            )
            for n in range(size)
        ]
        backward = [(n, item) for n, (_, item) in enumerate(reversed(items))]

        def store(batch: list[tuple[int, TransactionIn]]) -> BatchOutcome:
            with transaction(create_session_factory(engine)) as own:
                return ingest_transactions(own, workspace_id=workspace.id, items=batch)

        outcomes = _at_once(store, [items, backward])
        assert sum(o.accepted for o in outcomes) == size
        assert sum(o.duplicates for o in outcomes) == size
        assert _count(session, Transaction) == size * (round_ + 1)
        assert _count(session, Customer) == size * (round_ + 1)


def test_concurrent_purchases_of_one_buyer_are_all_counted(
    engine: Engine, session: Session
) -> None:
    """Batches of different orders by the same buyers at once: each buyer's order count and
    total spend cover every committed order, not just those one batch could see."""
    workspace = make_workspace(session)
    buyers = [f"buyer-{n}" for n in range(5)]

    def store(prefix: str) -> BatchOutcome:
        items = [
            (n, TransactionIn.model_validate(transaction_item(f"{prefix}-{n}", customer=buyer)))
            for n, buyer in enumerate({"external_id": buyer} for buyer in buyers)
        ]
        with transaction(create_session_factory(engine)) as own:
            return ingest_transactions(own, workspace_id=workspace.id, items=items)

    store("first")  # the buyers are known from here on
    for round_ in range(ROUNDS):
        outcomes = _at_once(store, [f"r{round_}-a", f"r{round_}-b", f"r{round_}-c"])
        assert [outcome.accepted for outcome in outcomes] == [5, 5, 5]
        session.expire_all()
        counts = session.scalars(select(Customer.order_count)).all()
        assert counts == [1 + 3 * (round_ + 1)] * 5
