"""Customers' first/last-seen dates after ingestion: widened to each batch, never narrowed.

On PostgreSQL the windows are aggregated by the database from the staged events
(`plain_rows.insert_widening_seen`), or for a request's batch of more than 16 events from
two arrays of its (customer, moment) pairs (`plain_rows.widen_seen_moments`); on SQLite
from the client's rows. All must agree.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy import event as sql_event
from sqlalchemy.orm import Session

from nabd.customers.models import Customer, CustomerIdentity
from nabd.workspaces.models import Workspace
from tests.events.factories import T0, bearer, event
from tests.factories import make_workspace


def _known(session: Session, workspace: Workspace, external_id: str, days: tuple[int, int]) -> int:
    """A customer stored with a window of T0 + days, as if seen by earlier batches."""
    customer = Customer(
        workspace_id=workspace.id,
        attributes={},
        first_seen_at=T0 + timedelta(days=days[0]),
        last_seen_at=T0 + timedelta(days=days[1]),
    )
    customer.identities.append(
        CustomerIdentity(workspace_id=workspace.id, kind="external_id", value=external_id)
    )
    session.add(customer)
    session.commit()
    return customer.id


def _window(session: Session, customer_id: int) -> tuple[timedelta, timedelta]:
    session.expire_all()
    customer = session.get(Customer, customer_id)
    assert customer is not None
    return customer.first_seen_at - T0, customer.last_seen_at - T0


# A batch of more than 16 events takes PostgreSQL's request path (the seen dates aggregated
# from two arrays, `plain_rows.widen_seen_moments`), a smaller one the staged path.
@pytest.mark.parametrize("padding", [0, 20])
def test_a_batch_with_older_and_newer_events_widens_both_ends(
    client: TestClient, session: Session, padding: int
) -> None:
    workspace = make_workspace(session)
    both = _known(session, workspace, "both", (10, 20))
    older = _known(session, workspace, "older", (10, 20))
    newer = _known(session, workspace, "newer", (10, 20))
    inside = _known(session, workspace, "inside", (10, 20))
    day = 24 * 60

    def at(name: str, event_id: str, days: int) -> dict[str, object]:
        return event(event_id, minutes=days * day, customer={"external_id": name})

    batch = [
        at("both", "b1", 15),
        at("both", "b2", 5),  # before the stored first
        at("both", "b3", 25),  # after the stored last
        at("older", "o1", 3),
        at("older", "o2", 12),
        at("newer", "n1", 30),
        at("newer", "n2", 18),
        at("inside", "i1", 11),
        at("inside", "i2", 19),
    ]
    batch += [at(f"pad-{n}", f"p{n}", n) for n in range(padding)]
    answer = client.post(
        "/api/v1/events", json={"events": batch}, headers=bearer(session, workspace)
    )
    assert answer.json() == {"accepted": 9 + padding, "duplicates": 0, "rejected": []}
    assert _window(session, both) == (timedelta(days=5), timedelta(days=25))
    assert _window(session, older) == (timedelta(days=3), timedelta(days=20))
    assert _window(session, newer) == (timedelta(days=10), timedelta(days=30))
    assert _window(session, inside) == (timedelta(days=10), timedelta(days=20))


def test_new_customers_and_repeats_keep_exact_windows(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    first = [
        event("a1", minutes=30, customer={"external_id": "fresh"}),
        event("a2", minutes=10, customer={"external_id": "fresh"}),
        event("a3", minutes=50, customer={"external_id": "fresh"}),
    ]
    assert (
        client.post("/api/v1/events", json={"events": first}, headers=headers).json()["accepted"]
        == 3
    )
    # A later batch: a repeat of a stored event and one newer event of the same customer.
    second = [event("a1", minutes=30, customer={"external_id": "fresh"}), event("a4", minutes=90)]
    second[1]["customer"] = {"external_id": "fresh"}
    answer = client.post("/api/v1/events", json={"events": second}, headers=headers).json()
    assert (answer["accepted"], answer["duplicates"]) == (1, 1)
    customer_id = session.scalar(select(Customer.id).where(Customer.workspace_id == workspace.id))
    assert customer_id is not None
    assert _window(session, customer_id) == (timedelta(minutes=10), timedelta(minutes=90))


def test_a_batch_of_new_customers_sends_no_seen_update(
    client: TestClient, session: Session, engine: Engine
) -> None:
    """A customer the batch creates is stored seen first and last at its earliest and latest
    moment of the batch (its day from the latest), so the batch's seen UPDATE leaves it out:
    a batch of new customers sends none. More than 16 events: PostgreSQL's request path."""
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    spread = [
        event("s1", minutes=30, customer={"external_id": "spread"}),
        event("s2", minutes=-10 * 60, customer={"external_id": "spread"}),  # the day before
        event("s3", minutes=20 * 60, customer={"external_id": "spread"}),  # the day after
    ]
    single = [event(f"o{n}", minutes=n, customer={"external_id": f"one-{n}"}) for n in range(20)]
    sent: list[str] = []

    def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    sql_event.listen(engine, "before_cursor_execute", keep)
    try:
        answer = client.post("/api/v1/events", json={"events": spread + single}, headers=headers)
    finally:
        sql_event.remove(engine, "before_cursor_execute", keep)
    assert answer.json() == {"accepted": 23, "duplicates": 0, "rejected": []}
    assert not [statement for statement in sent if "UPDATE customer_seen" in statement]
    by_id = dict(
        session.execute(
            select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
                CustomerIdentity.workspace_id == workspace.id
            )
        ).all()
    )
    assert _window(session, by_id["spread"]) == (timedelta(hours=-10), timedelta(hours=20))
    customer = session.get(Customer, by_id["spread"])
    assert customer is not None and customer.last_seen_on == date(2026, 5, 2)
    assert _window(session, by_id["one-7"]) == (timedelta(minutes=7), timedelta(minutes=7))


def test_a_batch_never_touches_another_workspaces_customers(
    client: TestClient, session: Session
) -> None:
    ours, theirs = make_workspace(session, "ours"), make_workspace(session, "theirs")
    mine = _known(session, ours, "same-id", (10, 20))
    other = _known(session, theirs, "same-id", (10, 20))
    batch = [event("x1", minutes=40 * 24 * 60, customer={"external_id": "same-id"})]
    client.post("/api/v1/events", json={"events": batch}, headers=bearer(session, ours))
    assert _window(session, mine) == (timedelta(days=10), timedelta(days=40))
    assert _window(session, other) == (timedelta(days=10), timedelta(days=20))
