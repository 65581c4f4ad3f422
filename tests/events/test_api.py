"""POST /api/v1/events and /api/v1/transactions over real HTTP and a real database."""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.customers.models import Customer, CustomerIdentity
from nabd.events.models import Event, Transaction
from nabd.workspaces.roles import Role
from tests.customers.factories import make_places
from tests.events.factories import T0, bearer, event, transaction
from tests.factories import make_workspace


def count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_batch_is_stored_once_and_repeats_are_duplicates(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    batch = {"events": [event("e1"), event("e2", minutes=5), event("e1")]}

    first = client.post("/api/v1/events", json=batch, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 2, "duplicates": 1, "rejected": []}
    again = client.post("/api/v1/events", json=batch, headers=headers)
    assert again.json() == {"accepted": 0, "duplicates": 3, "rejected": []}

    assert count(session, Event) == 2
    assert count(session, Customer) == 1
    customer = session.scalar(select(Customer))
    assert customer.first_seen_at == T0
    assert customer.last_seen_at.isoformat() == "2026-05-01T08:05:00+00:00"


def test_a_batch_sent_again_creates_no_customer_for_its_repeats(
    client: TestClient, session: Session
) -> None:
    """PostgreSQL stores a request's batch without looking its ids up first; a repeat rolls
    the batch back to before its customers were resolved, then it is stored as usual."""
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    first = [event(f"e{n}", customer={"external_id": f"first-{n}"}) for n in range(20)]
    answer = client.post("/api/v1/events", json={"events": first}, headers=headers)
    assert answer.json() == {"accepted": 20, "duplicates": 0, "rejected": []}
    # The same ids naming other customers, and five new events.
    again = [event(f"e{n}", customer={"external_id": f"other-{n}"}) for n in range(20)]
    again += [event(f"new{n}", customer={"external_id": f"first-{n}"}) for n in range(5)]
    answer = client.post("/api/v1/events", json={"events": again}, headers=headers)
    assert answer.json() == {"accepted": 5, "duplicates": 20, "rejected": []}
    assert count(session, Event) == 25
    assert count(session, Customer) == 20
    values = session.scalars(select(CustomerIdentity.value))
    assert not any(value.startswith("other-") for value in values)


def test_bad_items_are_rejected_with_index_field_and_reason(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    make_places(session, workspace)
    naive = event("naive")
    naive["timestamp"] = "2026-05-01T08:00:00"
    batch = {
        "events": [
            event("ok-1", touchpoint="checkout"),
            naive,
            event("bad-phone", customer={"phone": "12"}),
            event("bad-type", type="Page View!"),
            event("unknown-place", touchpoint="nowhere"),
            event("big", properties={"blob": "x" * 17_000}),
            "not an object",
            event("ok-2", customer={"phone": "0501234567"}),
        ]
    }
    response = client.post("/api/v1/events", json=batch, headers=bearer(session, workspace))
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2 and body["duplicates"] == 0
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (1, "timestamp"),
        (2, "customer.phone"),
        (3, "type"),
        (4, "touchpoint"),
        (5, "properties"),
        (6, ""),
    ]
    reasons = {r["index"]: r["reason"] for r in body["rejected"]}
    assert reasons[1] == "Must include a time zone offset."
    assert reasons[2] == "Not a valid phone number; use the international format."
    assert reasons[4] == "Unknown touchpoint key nowhere; define the touchpoint in nabd first."
    assert reasons[5] == "Must be at most 16 KB as JSON."
    stored = session.scalars(select(Event.client_event_id).order_by(Event.id)).all()
    assert stored == ["ok-1", "ok-2"]
    checkout = session.scalar(select(Event).where(Event.client_event_id == "ok-1"))
    assert checkout.touchpoint_id is not None and checkout.channel_id is not None


def test_phone_numbers_are_stored_in_e164(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    batch = {
        "events": [
            event("a", customer={"phone": "050 123 4567"}),
            event("b", customer={"phone": "+966501234567"}),
            event("c", customer={"email": "  Sara@Example.COM "}),
        ]
    }
    assert client.post("/api/v1/events", json=batch, headers=headers).json()["accepted"] == 3
    identities = session.execute(select(CustomerIdentity.kind, CustomerIdentity.value)).all()
    assert sorted(identities) == [("email", "sara@example.com"), ("phone", "+966501234567")]
    assert count(session, Customer) == 2


def test_rejection_reasons_follow_the_reader_language(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    naive = event("naive", timestamp="2026-05-01T08:00:00")
    response = client.post(
        "/api/v1/events",
        json={"events": [naive]},
        headers={**bearer(session, workspace), "Accept-Language": "ar"},
    )
    reason = response.json()["rejected"][0]["reason"]
    assert any("\u0600" <= char <= "\u06ff" for char in reason)


def test_more_than_a_thousand_events_are_refused_whole(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    batch = {"events": [event(f"e{i}") for i in range(1001)]}
    response = client.post("/api/v1/events", json=batch, headers=bearer(session, workspace))
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "events"
    assert count(session, Event) == 0


def test_viewers_and_agents_cannot_write_events(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    for role in (Role.VIEWER, Role.AGENT):
        response = client.post(
            "/api/v1/events",
            json={"events": [event("x")]},
            headers=bearer(session, workspace, role),
        )
        assert response.status_code == 403
    assert count(session, Event) == 0


def test_a_token_only_reaches_its_own_workspace(client: TestClient, session: Session) -> None:
    acme = make_workspace(session, "acme")
    other = make_workspace(session, "other")
    same_id = {"events": [event("shared-id", customer={"email": "same@example.com"})]}
    assert (
        client.post("/api/v1/events", json=same_id, headers=bearer(session, acme)).json()[
            "accepted"
        ]
        == 1
    )
    # The same event id and e-mail in another workspace are a different event and person.
    assert (
        client.post("/api/v1/events", json=same_id, headers=bearer(session, other)).json()[
            "accepted"
        ]
        == 1
    )
    owners = session.execute(select(Customer.workspace_id, Customer.id)).all()
    assert sorted(workspace_id for workspace_id, _ in owners) == sorted([acme.id, other.id])
    for workspace_id, customer_id in owners:
        events = session.scalars(select(Event).where(Event.customer_id == customer_id)).all()
        assert [e.workspace_id for e in events] == [workspace_id]


def test_transactions_are_idempotent_on_order_id(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    batch = {
        "transactions": [
            transaction("SO-1"),
            transaction("SO-2", amount="50", currency="usd"),
            transaction("SO-1"),
            transaction("SO-3", amount="-5"),
            transaction("SO-4", currency="XYZ"),
        ]
    }
    body = client.post("/api/v1/transactions", json=batch, headers=headers).json()
    assert (body["accepted"], body["duplicates"]) == (2, 1)
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [(3, "amount"), (4, "currency")]
    again = client.post("/api/v1/transactions", json=batch, headers=headers).json()
    assert (again["accepted"], again["duplicates"]) == (0, 3)
    assert count(session, Transaction) == 2
    customer = session.scalar(select(Customer))
    assert customer.order_count == 2
    assert customer.total_spend == Decimal("199.90")
    assert customer.spend_currency == "SAR"
