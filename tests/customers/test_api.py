"""The customers API: lists, profiles, timelines, masking per role, export and erasure."""

import io
import zipfile

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.customers.models import Customer
from nabd.workspaces.roles import Role
from tests.customers.factories import add_history, make_customer, make_places
from tests.factories import make_token, make_workspace

EMAIL = "ahmed.o@example.com"
PHONE = "+966551234567"


def _setup(session: Session):  # type: ignore[no-untyped-def]
    workspace = make_workspace(session)
    channel, touchpoint = make_places(session, workspace)
    customer = make_customer(
        session, workspace, "أحمد العتيبي", email=EMAIL, phone=PHONE, external_id="CRM-1"
    )
    add_history(session, workspace, customer, channel=channel, touchpoint=touchpoint)
    make_customer(session, workspace, "Someone Else", email="else@example.com")
    return workspace, customer


def _headers(session: Session, workspace, role: Role = Role.ADMIN) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, token = make_token(session, workspace, role)
    return {"Authorization": f"Bearer {token}"}


def test_list_search_and_filters(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    headers = _headers(session, workspace)
    everyone = client.get("/api/v1/customers", headers=headers).json()
    assert len(everyone["items"]) == 2 and everyone["next_cursor"] is None
    found = client.get("/api/v1/customers", params={"q": "احمد"}, headers=headers).json()
    assert [item["id"] for item in found["items"]] == [customer.id]
    assert found["items"][0]["total_spend"] == "250.50"
    for params in ({"email": EMAIL}, {"phone": PHONE}, {"external_id": "CRM-1"}):
        items = client.get("/api/v1/customers", params=params, headers=headers).json()["items"]
        assert [item["id"] for item in items] == [customer.id], params
    first = client.get(
        "/api/v1/customers", params={"limit": 1, "sort": "name"}, headers=headers
    ).json()
    second = client.get(
        "/api/v1/customers",
        params={"limit": 1, "sort": "name", "cursor": first["next_cursor"]},
        headers=headers,
    ).json()
    assert [first["items"][0]["display_name"], second["items"][0]["display_name"]] == [
        "Someone Else",
        "أحمد العتيبي",
    ]
    bad = client.get("/api/v1/customers", params={"cursor": "garbage"}, headers=headers)
    assert bad.status_code == 422


def test_a_phone_filter_is_read_in_the_workspaces_region(
    client: TestClient, session: Session
) -> None:
    workspace, customer = _setup(session)
    headers = _headers(session, workspace)
    # Saudi workspace: the national form and a spaced international one both find +966…
    for phone in ("0551234567", "+966 55 123 4567"):
        found = client.get("/api/v1/customers", params={"phone": phone}, headers=headers)
        assert [item["id"] for item in found.json()["items"]] == [customer.id], phone
    refused = client.get("/api/v1/customers", params={"phone": "12ab"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "phone"


def test_profile_and_timeline(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    headers = _headers(session, workspace, Role.AGENT)
    profile = client.get(f"/api/v1/customers/{customer.id}", headers=headers).json()
    assert {(i["kind"], i["value"]) for i in profile["identities"]} >= {
        ("email", EMAIL),
        ("phone", PHONE),
    }
    assert profile["value"] == [
        {
            "currency": "SAR",
            "total": "250.50",
            "order_count": 1,
            "first_purchase_at": "2026-03-01T10:30:00Z",
            "last_purchase_at": "2026-03-01T10:30:00Z",
        }
    ]
    assert [c["name_ar"] for c in profile["channels"]] == ["الموقع"]
    assert profile["contact_preferences"]["email_opted_out"] is False
    timeline = client.get(
        f"/api/v1/customers/{customer.id}/timeline", params={"limit": 2}, headers=headers
    ).json()
    assert [entry["kind"] for entry in timeline["items"]] == ["feedback", "event"]
    assert timeline["items"][1]["touchpoint"]["name_en"] == "Checkout page"
    rest = client.get(
        f"/api/v1/customers/{customer.id}/timeline",
        params={"cursor": timeline["next_cursor"], "kind": ["event", "transaction"]},
        headers=headers,
    ).json()
    assert [entry["kind"] for entry in rest["items"]] == ["transaction", "event", "event"]
    assert client.get("/api/v1/customers/999999", headers=headers).status_code == 404


def test_contact_details_are_masked_for_viewers_and_analysts(
    client: TestClient, session: Session
) -> None:
    workspace, customer = _setup(session)
    for role in (Role.VIEWER, Role.ANALYST):
        headers = _headers(session, workspace, role)
        body = client.get(f"/api/v1/customers/{customer.id}", headers=headers).text
        assert EMAIL not in body and PHONE not in body
        identities = client.get(f"/api/v1/customers/{customer.id}", headers=headers).json()[
            "identities"
        ]
        shown = {i["kind"]: (i["value"], i["masked"]) for i in identities}
        assert shown["email"] == ("a***@example.com", True)
        assert shown["phone"] == ("+9665*****567", True)
        assert shown["external_id"] == ("CRM-1", False)
        listed = client.get("/api/v1/customers", params={"q": "احمد"}, headers=headers).text
        assert EMAIL not in listed and PHONE not in listed


def test_contact_preferences_through_the_api(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    url = f"/api/v1/customers/{customer.id}/contact-preferences"
    viewer = _headers(session, workspace, Role.VIEWER)
    assert client.patch(url, json={"sms_opted_out": True}, headers=viewer).status_code == 403
    agent = _headers(session, workspace, Role.AGENT)
    response = client.patch(url, json={"sms_opted_out": True}, headers=agent)
    assert response.json() == {
        "email_opted_out": False,
        "sms_opted_out": True,
        "whatsapp_opted_out": False,
    }
    entry = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "customer.contact_preferences")
    ).one()
    assert entry.actor_kind == "api_token" and entry.details == {"opted_out": {"sms": True}}


def test_export_and_erase_are_for_admins(client: TestClient, session: Session) -> None:
    workspace, customer = _setup(session)
    agent = _headers(session, workspace, Role.AGENT)
    assert client.get(f"/api/v1/customers/{customer.id}/export", headers=agent).status_code == 403
    assert client.delete(f"/api/v1/customers/{customer.id}", headers=agent).status_code == 403
    admin = _headers(session, workspace)
    document = client.get(f"/api/v1/customers/{customer.id}/export", headers=admin).json()
    assert document["feedback"][0]["text"] == "الخدمة ممتازة والتوصيل سريع"
    archive = client.get(
        f"/api/v1/customers/{customer.id}/export", params={"format": "zip"}, headers=admin
    )
    assert archive.headers["content-type"] == "application/zip"
    assert "customer.json" in zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    erased = client.delete(f"/api/v1/customers/{customer.id}", headers=admin)
    assert erased.json()["events_anonymised"] == 3
    assert client.get(f"/api/v1/customers/{customer.id}", headers=admin).status_code == 404
    customer_id = erased.json()["customer_id"]
    session.expire_all()
    assert session.get(Customer, customer_id) is None
