"""Two writers sending the same batch at once: every event and customer is stored once."""

import threading
from datetime import timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nabd.core.db import create_session_factory, transaction
from nabd.customers.models import Customer, CustomerIdentity, CustomerSearchTerm, CustomerSeen
from nabd.events.batch import BatchOutcome
from nabd.events.ingest import ingest_events
from nabd.events.rows import rows_of
from nabd.events.schemas import EventIn
from tests.events.factories import T0
from tests.factories import make_workspace


def batch(size: int, customers: int) -> list[tuple[int, EventIn]]:
    return [
        (
            n,
            EventIn.model_validate(
                {
                    "event_id": f"e{n}",
                    "customer": {"email": f"person{n % customers}@example.com"},
                    "type": "page_view",
                    "timestamp": (T0 + timedelta(seconds=n)).isoformat(),
                }
            ),
        )
        for n in range(size)
    ]


def test_the_same_batch_from_two_writers_is_stored_once(engine: Engine, session: Session) -> None:
    workspace = make_workspace(session)
    factory = create_session_factory(engine)
    items = batch(200, customers=50)
    start = threading.Barrier(2)
    outcomes: list[BatchOutcome] = []
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            start.wait()
            with transaction(factory) as own:
                outcomes.append(
                    ingest_events(own, workspace_id=workspace.id, events=rows_of(items))
                )
        except BaseException as error:  # reported below, with the assertion
            failures.append(error)

    threads = [threading.Thread(target=writer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sum(o.accepted for o in outcomes) == 200
    assert sum(o.duplicates for o in outcomes) == 200
    session.expire_all()

    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    assert count(Customer) == 50  # a customer created twice was removed again
    assert count(CustomerIdentity) == 50
    # Each surviving customer is findable; no search term points at a removed one.
    assert count(CustomerSearchTerm) == session.scalar(
        select(func.count())
        .select_from(CustomerSearchTerm)
        .join(Customer, Customer.id == CustomerSearchTerm.customer_id)
    )
    windows = session.execute(select(CustomerSeen.first_seen_at, CustomerSeen.last_seen_at)).all()
    assert len(windows) == 50  # every customer has its seen row, none is left over
    assert all(first is not None and last is not None for first, last in windows)
