"""The set-based write path: what it stores reads back like rows written through the ORM."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.customers.models import Customer, CustomerIdentity
from nabd.events.models import Event
from tests.events.factories import T0, bearer, event
from tests.factories import make_workspace


def test_times_are_stored_as_utc_instants_and_compare_with_orm_rows(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    # A customer written through the ORM, last seen before the event below.
    known = Customer(workspace_id=workspace.id, attributes={}, first_seen_at=T0, last_seen_at=T0)
    known.identities.append(
        CustomerIdentity(workspace_id=workspace.id, kind="external_id", value="u-1")
    )
    session.add(known)
    session.commit()
    riyadh = event("r1", timestamp="2026-05-01T13:30:00+03:00", properties={"مدينة": "الرياض"})
    headers = bearer(session, workspace)
    answer = client.post("/api/v1/events", json={"events": [riyadh]}, headers=headers)
    assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    session.expire_all()
    stored = session.scalar(select(Event))
    assert stored.occurred_at == datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert stored.occurred_at.tzinfo is not None
    assert stored.properties == {"مدينة": "الرياض"}
    assert stored.customer_id == known.id
    customer = session.get(Customer, known.id)
    assert (customer.first_seen_at, customer.last_seen_at) == (T0, stored.occurred_at)
    # Read back through SQL comparisons too (SQLite compares the stored text).
    ten = datetime(2026, 5, 1, 10, tzinfo=UTC)
    later = session.scalars(select(Event.client_event_id).where(Event.occurred_at > ten)).all()
    assert later == ["r1"]


def test_customers_created_by_ingestion_are_searchable(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    batch = {
        "events": [
            event("a", customer={"email": "Sara.Ali@Example.com", "external_id": "C-77"}),
            event("b", customer={"phone": "+966501234567"}),
        ]
    }
    assert client.post("/api/v1/events", json=batch, headers=headers).json()["accepted"] == 2
    for query, expected in (("sara", 1), ("C-77", 1), ("0501234567", 1), ("nobody", 0)):
        found = client.get("/api/v1/customers", params={"q": query}, headers=headers).json()
        assert len(found["items"]) == expected, query


def test_a_body_that_is_not_a_batch_is_refused_whole(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    headers = {**bearer(session, workspace), "Content-Type": "application/json"}
    broken = client.post("/api/v1/events", content=b'{"events": [', headers=headers)
    assert broken.status_code == 422
    assert broken.json()["error"]["details"][0]["reason"] == "The body is not valid JSON."
    wrong = client.post("/api/v1/transactions", json={"events": []}, headers=headers)
    assert wrong.status_code == 422
    fields = {detail["field"] for detail in wrong.json()["error"]["details"]}
    assert fields == {"transactions", "events"}
    empty = client.post("/api/v1/events", json={"events": []}, headers=headers)
    assert empty.json() == {"accepted": 0, "duplicates": 0, "rejected": []}
