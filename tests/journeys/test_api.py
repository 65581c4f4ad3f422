"""The journeys API over real HTTP: stages in order, touchpoints placed once, audit, roles."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.journeys.models import JourneyStage, StageTouchpoint
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.journeys.factories import make_touchpoints

RETAIL = {
    "name_ar": "رحلة التسوق",
    "name_en": "Shopping",
    "stages": [
        {"name_ar": "الوعي", "name_en": "Awareness", "touchpoints": ["ad"]},
        {"name_ar": "الشراء", "name_en": "Purchase", "touchpoints": ["checkout", "store"]},
        {"name_ar": "التوصيل", "name_en": "Delivery", "touchpoints": []},
    ],
}


def _headers(session: Session, role: Role = Role.ANALYST) -> dict[str, str]:
    workspace = make_workspace(session)
    make_touchpoints(session, workspace, ["ad", "checkout", "store", "courier"])
    session.commit()
    _, token = make_token(session, workspace, role)
    return {"Authorization": f"Bearer {token}"}


def _fields_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [detail["field"] for detail in response.json()["error"]["details"]]


def test_create_read_list_edit_and_delete(client: TestClient, session: Session) -> None:
    headers = _headers(session)
    created = client.post("/api/v1/journeys", json=RETAIL, headers=headers)
    assert created.status_code == 201, created.text
    journey = created.json()
    assert [(s["position"], s["name_en"], s["touchpoints"]) for s in journey["stages"]] == [
        (1, "Awareness", ["ad"]),
        (2, "Purchase", ["checkout", "store"]),
        (3, "Delivery", []),
    ]
    assert client.get(f"/api/v1/journeys/{journey['id']}", headers=headers).json() == journey
    listed = client.get("/api/v1/journeys", headers=headers).json()["items"]
    assert [item["id"] for item in listed] == [journey["id"]]

    # Delivery first, Purchase kept by id with `store` moved to Delivery, Awareness dropped.
    awareness, purchase, delivery = (stage["id"] for stage in journey["stages"])
    changed = client.patch(
        f"/api/v1/journeys/{journey['id']}",
        json={
            "name_en": "Shopping online",
            "stages": [
                {
                    "id": delivery,
                    "name_ar": "التوصيل",
                    "name_en": "Delivery",
                    "touchpoints": ["store"],
                },
                {
                    "id": purchase,
                    "name_ar": "الشراء",
                    "name_en": "Purchase",
                    "touchpoints": ["checkout"],
                },
            ],
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["name_en"] == "Shopping online" and body["name_ar"] == "رحلة التسوق"
    assert [(s["id"], s["position"], s["touchpoints"]) for s in body["stages"]] == [
        (delivery, 1, ["store"]),
        (purchase, 2, ["checkout"]),
    ]
    assert session.get(JourneyStage, awareness) is None

    deleted = client.delete(f"/api/v1/journeys/{journey['id']}", headers=headers)
    assert deleted.status_code == 204
    assert client.get(f"/api/v1/journeys/{journey['id']}", headers=headers).status_code == 404
    session.expire_all()
    assert session.scalars(select(StageTouchpoint)).all() == []
    actions = session.scalars(
        select(AuditLogEntry.action).where(AuditLogEntry.object_type == "journey")
    ).all()
    assert sorted(actions) == ["journey.create", "journey.delete", "journey.update"]


def test_refusals_name_the_field(client: TestClient, session: Session) -> None:
    headers = _headers(session)

    def refused(body: dict[str, Any]) -> list[str]:
        return _fields_of(client.post("/api/v1/journeys", json=body, headers=headers))

    assert refused({**RETAIL, "name_ar": ""}) == ["name_ar"]
    unknown = {**RETAIL, "stages": [{"name_ar": "أ", "name_en": "A", "touchpoints": ["nowhere"]}]}
    assert refused(unknown) == ["stages[0].touchpoints[0]"]
    twice = {
        **RETAIL,
        "stages": [
            {"name_ar": "أ", "name_en": "A", "touchpoints": ["ad"]},
            {"name_ar": "ب", "name_en": "B", "touchpoints": ["checkout", "ad"]},
        ],
    }
    assert refused(twice) == ["stages[1].touchpoints[1]"]
    created = client.post("/api/v1/journeys", json=RETAIL, headers=headers).json()
    foreign_stage = {"stages": [{"id": 10**9, "name_ar": "أ", "name_en": "A"}]}
    patch = client.patch(f"/api/v1/journeys/{created['id']}", json=foreign_stage, headers=headers)
    assert _fields_of(patch) == ["stages[0].id"]
    cleared = client.patch(
        f"/api/v1/journeys/{created['id']}", json={"name_en": None}, headers=headers
    )
    assert _fields_of(cleared) == ["name_en"]
    # A refused edit changes nothing.
    again = client.get(f"/api/v1/journeys/{created['id']}", headers=headers).json()
    assert again == created


def test_viewers_read_but_cannot_write(client: TestClient, session: Session) -> None:
    headers = _headers(session, Role.VIEWER)
    assert client.get("/api/v1/journeys", headers=headers).status_code == 200
    assert client.post("/api/v1/journeys", json=RETAIL, headers=headers).status_code == 403
