"""The segments API over real HTTP: CRUD, sizes, field paths in 422s, roles, audit."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.core.types import utcnow
from nabd.goals.models import Goal
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace
from tests.segments.factories import RIYADH, make_people

BODY: dict[str, Any] = {
    "name_ar": "عملاء الرياض",
    "name_en": "Riyadh customers",
    "description": "Everyone whose city is Riyadh",
    "definition": RIYADH,
}


def _headers(session: Session, workspace: Workspace, role: Role = Role.ANALYST) -> dict[str, str]:
    _, token = make_token(session, workspace, role)
    return {"Authorization": f"Bearer {token}"}


def test_create_read_change_list_members_and_delete(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    people, _survey = make_people(session, workspace, count=20)
    riyadh = {p.id for p in people if p.city == "Riyadh"}
    headers = _headers(session, workspace)

    created = client.post("/api/v1/segments", json=BODY, headers=headers)
    assert created.status_code == 201, created.text
    segment = created.json()
    assert segment["size"] == len(riyadh) and segment["refreshed_at"] is not None
    assert segment["definition"]["conditions"][0]["key"] == "city"

    listed = client.get("/api/v1/segments", headers=headers).json()["items"]
    assert [item["id"] for item in listed] == [segment["id"]]

    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(
            f"/api/v1/segments/{segment['id']}/customers", params=params, headers=headers
        ).json()
        seen += [customer["id"] for customer in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(riyadh)

    changed = client.patch(
        f"/api/v1/segments/{segment['id']}",
        json={
            "name_en": "Not Riyadh",
            "definition": {
                "conditions": [
                    {"field": "attribute", "key": "city", "operator": "in", "value": ["Jeddah"]}
                ]
            },
        },
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["size"] == sum(p.city == "Jeddah" for p in people)
    assert changed.json()["name_ar"] == BODY["name_ar"]

    deleted = client.delete(f"/api/v1/segments/{segment['id']}", headers=headers)
    assert deleted.status_code == 204
    gone = client.get(f"/api/v1/segments/{segment['id']}", headers=headers)
    assert gone.status_code == 404
    actions = session.scalars(
        select(AuditLogEntry.action).where(AuditLogEntry.object_type == "segment")
    ).all()
    assert sorted(actions) == ["segment.create", "segment.delete", "segment.update"]


def test_preview_counts_without_saving(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=15)
    headers = _headers(session, workspace)
    response = client.post("/api/v1/segments/preview", json={"definition": RIYADH}, headers=headers)
    assert response.json() == {"size": sum(p.city == "Riyadh" for p in people)}
    assert client.get("/api/v1/segments", headers=headers).json()["items"] == []


def test_a_bad_definition_is_a_422_naming_the_path(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    headers = _headers(session, workspace)
    body = {
        **BODY,
        "definition": {
            "conditions": [
                RIYADH["conditions"][0],
                {"field": "total_spend", "operator": "exists"},
                {"field": "channel", "operator": "in", "value": ["fax"]},
            ]
        },
    }
    response = client.post("/api/v1/segments", json=body, headers=headers)
    assert response.status_code == 422
    details = response.json()["error"]["details"]
    assert [detail["field"] for detail in details] == ["definition.conditions[1].operator"]
    assert "gte" in details[0]["reason"]
    body["definition"]["conditions"].pop(1)
    response = client.post("/api/v1/segments", json=body, headers=headers)
    fields = [detail["field"] for detail in response.json()["error"]["details"]]
    assert fields == ["definition.conditions[1].value[0]"]


def test_viewers_and_agents_read_but_do_not_change(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    writer = _headers(session, workspace, Role.ANALYST)
    segment = client.post("/api/v1/segments", json=BODY, headers=writer).json()
    for role in (Role.VIEWER, Role.AGENT):
        headers = _headers(session, workspace, role)
        assert client.get(f"/api/v1/segments/{segment['id']}", headers=headers).status_code == 200
        assert client.post("/api/v1/segments", json=BODY, headers=headers).status_code == 403
        patch = client.patch(
            f"/api/v1/segments/{segment['id']}", json={"name_en": "x"}, headers=headers
        )
        assert patch.status_code == 403
        deleted = client.delete(f"/api/v1/segments/{segment['id']}", headers=headers)
        assert deleted.status_code == 403
    assert client.get("/api/v1/segments").status_code == 401


def test_a_segment_used_by_a_goal_cannot_be_deleted(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    headers = _headers(session, workspace)
    segment = client.post("/api/v1/segments", json=BODY, headers=headers).json()
    today = utcnow().date()
    session.add(
        Goal(
            workspace_id=workspace.id,
            name="NPS",
            metric="nps",
            segment_id=segment["id"],
            baseline=0,
            target_kind="value",
            target_amount=10,
            start_date=today,
            end_date=today,
            owner_id=owner.user_id,
        )
    )
    session.commit()
    response = client.delete(f"/api/v1/segments/{segment['id']}", headers=headers)
    assert response.status_code == 409
