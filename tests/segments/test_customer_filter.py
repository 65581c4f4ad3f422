"""The customer list (API and page) filters by segment membership."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace, sign_in
from tests.query_counter import count_queries
from tests.segments.factories import RIYADH, make_people, make_segment


def test_api_lists_only_the_segments_customers(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=20)
    segment = make_segment(session, workspace, RIYADH)
    _, token = make_token(session, workspace, Role.VIEWER)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get(
        "/api/v1/customers", params={"segment_id": segment.id, "limit": 100}, headers=headers
    )
    assert response.status_code == 200, response.text
    ids = {item["id"] for item in response.json()["items"]}
    assert ids == {p.id for p in people if p.city == "Riyadh"}
    unknown = client.get("/api/v1/customers", params={"segment_id": 999_999}, headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "segment_id"


def test_another_workspaces_segment_is_unknown(client: TestClient, session: Session) -> None:
    mine = make_workspace(session, "mine")
    theirs = make_workspace(session, "theirs")
    make_people(session, theirs, count=5)
    foreign = make_segment(session, theirs, RIYADH)
    _, token = make_token(session, mine, Role.ADMIN)
    response = client.get(
        "/api/v1/customers",
        params={"segment_id": foreign.id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422


def test_page_has_a_segment_select_and_keeps_its_query_count(
    client: TestClient, session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=20)
    segment = make_segment(session, workspace, RIYADH)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    with count_queries(engine) as counter:
        page = client.get("/customers", params={"segment_id": segment.id})
    assert counter.count <= 10, counter.statements
    assert 'data-testid="segment-filter"' in page.text
    assert f'<option value="{segment.id}" dir="auto" selected>' in page.text
    assert 'data-testid="segment-as-of"' in page.text
    shown = page.text.count("data-customer=")
    assert shown == sum(p.city == "Riyadh" for p in people)
