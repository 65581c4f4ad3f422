"""A workspace's editable taxonomy: service, annotator, API and settings page."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry
from nabd.text.annotator import annotator_for
from nabd.text.workspace_topics import (
    create_topic,
    list_topics,
    taxonomy_version,
    update_topic,
    workspace_taxonomy,
)
from nabd.text.workspace_topics_schemas import TopicCreate, TopicUpdate
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace, page_csrf, sign_in

NETWORK = TopicCreate(
    key="network_coverage",
    label_ar="التغطية والشبكة",
    label_en="Network coverage",
    phrases=["الشبكة طايحة", "تغطية", "zero bars", "signal"],
)


def _topics_of(session: Session, workspace_id: int, text: str) -> list[str]:
    annotation = annotator_for(session, workspace_id=workspace_id).annotate([text])[0]
    return [topic.topic for topic in annotation.topics]


def test_a_workspace_topic_is_found_for_its_workspace_only(session: Session) -> None:
    alpha, beta = make_workspace(session, "alpha"), make_workspace(session, "beta")
    create_topic(session, workspace_id=alpha.id, data=NETWORK, actor=SYSTEM_ACTOR)
    session.commit()
    text = "والله الشبكة طايحة من امس"
    assert _topics_of(session, alpha.id, text) == ["network_coverage"]
    assert _topics_of(session, beta.id, text) == []
    # Either language, and Arabic clitics attached: "بالتغطية".
    assert _topics_of(session, alpha.id, "Zero bars at home") == ["network_coverage"]
    assert _topics_of(session, alpha.id, "ضعيفة بالتغطية") == ["network_coverage"]


def test_every_edit_bumps_the_taxonomy_version(session: Session) -> None:
    workspace = make_workspace(session)
    assert taxonomy_version(session, workspace_id=workspace.id) == 0
    assert workspace_taxonomy(session, workspace_id=workspace.id).taxonomy.version == "1.0.0+ws0"
    create_topic(session, workspace_id=workspace.id, data=NETWORK, actor=SYSTEM_ACTOR)
    update_topic(
        session,
        workspace_id=workspace.id,
        key="network_coverage",
        changes=TopicUpdate(phrases=["coverage"]),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    state = workspace_taxonomy(session, workspace_id=workspace.id)
    assert state.version == 2 and state.taxonomy.version == "1.0.0+ws2"
    actions = session.scalars(
        select(AuditLogEntry.action).where(AuditLogEntry.workspace_id == workspace.id)
    ).all()
    assert actions.count("text.topic.create") == 1 and actions.count("text.topic.update") == 1


def test_shipped_topics_take_extra_phrases_and_can_be_switched_off(session: Session) -> None:
    workspace = make_workspace(session)
    text = "the valet took forever"
    assert "location_access" not in _topics_of(session, workspace.id, text)
    update_topic(
        session,
        workspace_id=workspace.id,
        key="location_access",
        changes=TopicUpdate(phrases=["valet"], label_en="ignored for shipped topics"),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    assert "location_access" in _topics_of(session, workspace.id, text)
    shipped = next(t for t in list_topics(session, workspace_id=workspace.id) if t.key == "food")
    assert shipped.enabled and not shipped.custom and shipped.label_en == "Food & drink"
    assert "food" in _topics_of(session, workspace.id, "the food was cold")
    update_topic(
        session,
        workspace_id=workspace.id,
        key="food",
        changes=TopicUpdate(enabled=False),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    assert "food" not in _topics_of(session, workspace.id, "the food was cold")
    location = next(
        t for t in list_topics(session, workspace_id=workspace.id) if t.key == "location_access"
    )
    assert location.added_phrases == ["valet"] and location.label_en != "ignored for shipped topics"


def test_topics_api_create_read_update_delete(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _, token = make_token(session, workspace, Role.ANALYST)
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post("/api/v1/text/topics", json=NETWORK.model_dump(), headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["custom"] is True
    listed = client.get("/api/v1/text/topics", headers=headers).json()
    assert listed["taxonomy_version"] == 1
    assert [item["key"] for item in listed["items"]][-1] == "network_coverage"
    patched = client.patch(
        "/api/v1/text/topics/network_coverage",
        json={"label_en": "Network", "phrases": ["signal", "signal", " 5g "]},
        headers=headers,
    )
    assert patched.json()["label_en"] == "Network"
    assert patched.json()["phrases"] == ["signal", "5g"]
    switched_off = client.patch(
        "/api/v1/text/topics/delivery", json={"enabled": False}, headers=headers
    )
    assert switched_off.json()["enabled"] is False
    assert client.delete("/api/v1/text/topics/network_coverage", headers=headers).status_code == 204
    assert client.get("/api/v1/text/topics/network_coverage", headers=headers).status_code == 404
    assert client.get("/api/v1/text/topics", headers=headers).json()["taxonomy_version"] == 4


def test_topics_api_refuses_bad_input(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _, token = make_token(session, workspace, Role.ADMIN)
    headers = {"Authorization": f"Bearer {token}"}
    bad_key = client.post(
        "/api/v1/text/topics", json={**NETWORK.model_dump(), "key": "Network!"}, headers=headers
    )
    assert bad_key.status_code == 422
    assert bad_key.json()["error"]["details"][0]["field"] == "key"
    no_phrases = client.post(
        "/api/v1/text/topics", json={**NETWORK.model_dump(), "phrases": [" "]}, headers=headers
    )
    assert no_phrases.status_code == 422
    shipped_key = client.post(
        "/api/v1/text/topics", json={**NETWORK.model_dump(), "key": "delivery"}, headers=headers
    )
    assert shipped_key.status_code == 409
    assert client.delete("/api/v1/text/topics/delivery", headers=headers).status_code == 409


def test_viewers_cannot_read_or_edit_topics(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _, token = make_token(session, workspace, Role.VIEWER)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/text/topics", headers=headers).status_code == 403
    response = client.post("/api/v1/text/topics", json=NETWORK.model_dump(), headers=headers)
    assert response.status_code == 403


def test_settings_page_adds_and_switches_topics(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    page = client.get("/settings/text/topics")
    assert page.status_code == 200 and 'data-topic="delivery"' in page.text
    csrf = page_csrf(client, "/settings/text/topics")
    created = client.post(
        "/settings/text/topics",
        data={
            "csrf_token": csrf,
            "key": "network_coverage",
            "label_ar": "الشبكة",
            "label_en": "Network",
            "phrases": "الشبكة طايحة\nzero bars, <b>signal</b>",
        },
        follow_redirects=False,
    )
    assert created.status_code == 303
    page = client.get("/settings/text/topics").text
    assert 'data-topic="network_coverage"' in page
    assert "&lt;b&gt;signal&lt;/b&gt;" in page and "<b>signal</b>" not in page
    invalid = client.post(
        "/settings/text/topics",
        data={"csrf_token": csrf, "key": "x", "label_ar": "", "label_en": "", "phrases": ""},
    )
    assert invalid.status_code == 422 and 'data-field-error="key"' in invalid.text
    client.post("/settings/text/topics/food/enabled", data={"csrf_token": csrf, "enabled": "false"})
    food = next(t for t in list_topics(session, workspace_id=workspace.id) if t.key == "food")
    assert food.enabled is False
