"""Identity resolution, identify (re-attribution) and reversible merges, on a real database."""

from datetime import timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry
from nabd.customers import merging
from nabd.customers.identity import identify, resolve_customers
from nabd.customers.models import ContactPreference, Customer, CustomerIdentity, CustomerSeen
from nabd.customers.references import CustomerReference, normalise_phone, using_phone_region
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.workspaces.roles import Role
from tests.customers.factories import add_history, make_customer
from tests.events.factories import T0, bearer, event
from tests.factories import make_workspace


def customer_exists(session: Session, customer_id: int) -> bool:
    return session.scalar(select(Customer.id).where(Customer.id == customer_id)) is not None


def owners(session: Session, model: type) -> list[int | None]:
    session.expire_all()
    return list(session.scalars(select(model.customer_id).order_by(model.id)))


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("0501234567", "+966501234567"),
        ("+966 50 123 4567", "+966501234567"),
        ("00971501234567", "+971501234567"),
        ("+1 (202) 456-1111", "+12024561111"),
    ],
)
def test_phones_are_normalised_to_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw, "SA") == e164


def test_a_reference_needs_a_valid_identity() -> None:
    with pytest.raises(ValidationError) as refused, using_phone_region("SA"):
        CustomerReference(phone="abc")
    assert refused.value.errors()[0]["loc"] == ("phone",)
    with pytest.raises(ValidationError):
        CustomerReference()
    assert CustomerReference(email=" A@B.co ", external_id="7").identities() == (
        ("external_id", "7"),
        ("email", "a@b.co"),
    )


def test_identities_of_one_reference_join_one_customer(session: Session) -> None:
    workspace = make_workspace(session)
    known = make_customer(session, workspace, "Sara", email="sara@example.com")
    ids = resolve_customers(
        session,
        workspace_id=workspace.id,
        references=[
            (("external_id", "crm-9"), ("email", "sara@example.com")),
            (("external_id", "crm-9"),),
            (("email", "new@example.com"),),
            (("email", "new@example.com"), ("phone", "+966501234567")),
        ],
        seen_at=[T0] * 4,
    )
    session.commit()
    assert ids[0] == ids[1] == known.id
    assert ids[2] == ids[3] != known.id
    kinds = session.execute(
        select(CustomerIdentity.customer_id, CustomerIdentity.kind).order_by(CustomerIdentity.id)
    ).all()
    assert sorted(kinds) == sorted(
        [(known.id, "email"), (known.id, "external_id"), (ids[2], "email"), (ids[2], "phone")]
    )


def test_identify_moves_an_anonymous_history_to_the_known_customer(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    visit = {"anonymous_id": "anon-42"}
    batch = [event("v1", customer=visit), event("v2", customer=visit, minutes=3)]
    assert client.post("/api/v1/events", json={"events": batch}, headers=headers).status_code == 200
    anonymous = session.scalar(select(Customer))
    anonymous_id = anonymous.id
    add_history(session, workspace, anonymous, events_count=0)
    known = make_customer(session, workspace, "Mona", external_id="user-7")

    response = client.post(
        "/api/v1/identify",
        json={"anonymous_id": "anon-42", "customer": {"external_id": "user-7"}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["customer_id"] == known.id
    assert owners(session, Event) == [known.id, known.id]
    assert owners(session, Transaction) == [known.id]
    assert owners(session, FeedbackItem) == [known.id]
    assert not customer_exists(session, anonymous_id)
    anon_identity = session.scalar(
        select(CustomerIdentity).where(CustomerIdentity.value == "anon-42")
    )
    assert anon_identity.customer_id == known.id
    merged = session.get(Customer, known.id)
    assert merged.order_count == 1 and merged.total_spend == Decimal("250.50")
    # Later events of the same visitor land on the known customer directly.
    late = {"events": [event("v3", customer=visit, minutes=9)]}
    client.post("/api/v1/events", json=late, headers=headers)
    assert owners(session, Event)[-1] == known.id


def test_identify_on_a_shared_device_moves_only_the_anonymous_id(session: Session) -> None:
    workspace = make_workspace(session)
    first = make_customer(session, workspace, "First", email="first@example.com")
    second = make_customer(session, workspace, "Second", email="second@example.com")
    resolve_customers(
        session,
        workspace_id=workspace.id,
        references=[(("email", "first@example.com"), ("anonymous_id", "device-1"))],
        seen_at=[T0],
    )
    add_history(session, workspace, first)
    result = identify(
        session,
        workspace_id=workspace.id,
        anonymous_id="device-1",
        customer=CustomerReference(email="second@example.com"),
        at=T0,
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    assert result.customer_id == second.id and result.merge_id is None
    assert set(owners(session, Event)) == {first.id}
    holder = session.scalar(
        select(CustomerIdentity.customer_id).where(CustomerIdentity.value == "device-1")
    )
    assert holder == second.id


def test_a_merge_is_recorded_audited_and_undone(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    target = make_customer(session, workspace, "Nora", email="nora@example.com")
    source = make_customer(
        session, workspace, "Nora A.", phone="+966501234567", attributes={"tier": "gold"}
    )
    source_id = source.id
    add_history(session, workspace, source, order_prefix="S")
    session.add(
        ContactPreference(
            workspace_id=workspace.id, customer_id=source_id, channel="sms", opted_out=True
        )
    )
    session.commit()
    headers = bearer(session, workspace, Role.ADMIN)

    response = client.post(
        "/api/v1/merges",
        json={"target_customer_id": target.id, "source_customer_id": source_id},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    record = response.json()
    assert record["source_snapshot"]["customer"]["attributes"] == {"tier": "gold"}
    assert set(record["moved"]) >= {
        "customer_identities",
        "events",
        "transactions",
        "feedback_items",
    }
    assert len(record["moved"]["events"]) == 3
    assert not customer_exists(session, source_id)
    assert set(owners(session, Event)) == {target.id}
    assert session.scalar(
        select(ContactPreference.opted_out).where(ContactPreference.customer_id == target.id)
    )
    audit = session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "customer.merge"))
    assert audit.details["source_customer_id"] == source_id
    assert audit.actor_kind == "api_token"

    undo = client.post(f"/api/v1/merges/{record['id']}/undo", headers=headers)
    assert undo.status_code == 200, undo.text
    assert undo.json()["undone_at"] is not None
    restored = session.get(Customer, source_id)
    assert restored.display_name == "Nora A." and restored.attributes == {"tier": "gold"}
    assert set(owners(session, Event)) == {source_id}
    assert owners(session, Transaction) == [source_id]
    phone_owner = session.scalar(
        select(CustomerIdentity.customer_id).where(CustomerIdentity.kind == "phone")
    )
    assert phone_owner == source_id
    assert (
        session.scalar(
            select(func.count(ContactPreference.id)).where(
                ContactPreference.customer_id == target.id
            )
        )
        == 0
    )
    assert restored.order_count == 1
    again = client.post(f"/api/v1/merges/{record['id']}/undo", headers=headers)
    assert again.status_code == 409


def test_a_merge_widens_the_targets_seen_dates_and_an_undo_restores_the_sources(
    session: Session,
) -> None:
    workspace = make_workspace(session)
    target = make_customer(session, workspace, "Nora", email="nora@example.com", last_seen_at=T0)
    source = make_customer(session, workspace, "Nora A.", email="n@example.com", last_seen_at=T0)
    source.first_seen_at = T0 - timedelta(days=3)
    source.last_seen_at = T0 + timedelta(days=2)
    target_id, source_id = target.id, source.id
    session.commit()

    record = merging.merge_customers(
        session,
        workspace_id=workspace.id,
        target_id=target_id,
        source_id=source_id,
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    assert "customer_seen" not in record.moved
    merged = session.get(Customer, target_id)
    assert (merged.first_seen_at, merged.last_seen_at) == (
        T0 - timedelta(days=3),
        T0 + timedelta(days=2),
    )
    assert session.scalar(select(func.count()).select_from(CustomerSeen)) == 1

    merging.unmerge(session, workspace_id=workspace.id, merge_id=record.id, actor=SYSTEM_ACTOR)
    session.commit()
    restored = session.get(Customer, source_id)
    assert (restored.first_seen_at, restored.last_seen_at) == (
        T0 - timedelta(days=3),
        T0 + timedelta(days=2),
    )
    assert session.get(Customer, target_id).last_seen_at == T0 + timedelta(days=2)


def test_merges_stay_inside_the_workspace(client: TestClient, session: Session) -> None:
    acme = make_workspace(session, "acme")
    other = make_workspace(session, "other")
    mine = make_customer(session, acme, "Mine", email="mine@example.com")
    theirs = make_customer(session, other, "Theirs", email="theirs@example.com")
    response = client.post(
        "/api/v1/merges",
        json={"target_customer_id": mine.id, "source_customer_id": theirs.id},
        headers=bearer(session, acme, Role.ADMIN),
    )
    assert response.status_code == 404
    assert customer_exists(session, theirs.id)
    with pytest.raises(merging.InvalidMerge):
        merging.merge_customers(
            session, workspace_id=acme.id, target_id=mine.id, source_id=mine.id, actor=SYSTEM_ACTOR
        )


def test_activity_widens_first_and_last_seen(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    client.post("/api/v1/events", json={"events": [event("a", minutes=10)]}, headers=headers)
    client.post("/api/v1/events", json={"events": [event("b", minutes=-10)]}, headers=headers)
    client.post("/api/v1/events", json={"events": [event("c", minutes=30)]}, headers=headers)
    session.expire_all()
    customer = session.scalar(select(Customer))
    assert customer.first_seen_at == T0 - timedelta(minutes=10)
    assert customer.last_seen_at == T0 + timedelta(minutes=30)


def test_customers_created_in_one_batch_each_get_their_own_window(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    # Three new customers: two share a first moment, one is seen twice in the batch.
    plan = {"u-a": (5, 5), "u-b": (5, 40), "u-c": (-20, -20)}
    items = [
        event("1", minutes=5, customer={"external_id": "u-a"}),
        event("2", minutes=40, customer={"external_id": "u-b"}),
        event("3", minutes=-20, customer={"external_id": "u-c"}),
        event("4", minutes=5, customer={"external_id": "u-b"}),
    ]
    response = client.post(
        "/api/v1/events", json={"events": items}, headers=bearer(session, workspace)
    )
    assert response.json()["accepted"] == 4
    session.expire_all()
    windows = {
        value: (customer.first_seen_at, customer.last_seen_at)
        for value, customer in session.execute(
            select(CustomerIdentity.value, Customer).join(
                Customer, Customer.id == CustomerIdentity.customer_id
            )
        )
    }
    assert windows == {
        value: (T0 + timedelta(minutes=first), T0 + timedelta(minutes=last))
        for value, (first, last) in plan.items()
    }
