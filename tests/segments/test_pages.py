"""The segments pages: list with sizes, create with a preview, edit, delete; roles; Arabic."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.segments.models import Segment
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.segments.factories import RIYADH, make_people, make_segment

FORM = {
    "name_ar": "عملاء الرياض الذهبيون",
    "name_en": "Gold Riyadh customers",
    "description": "",
    "match": "all",
    "field-0": "attribute",
    "key-0": "city",
    "operator-0": "equals",
    "value-0": "Riyadh",
    "field-1": "attribute",
    "key-1": "plan",
    "operator-1": "in",
    "value-1": "gold، platinum",
}


def test_analyst_previews_then_creates_a_segment_in_arabic(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session, language="ar")
    people, _ = make_people(session, workspace, count=20)
    expected = sum(p.city == "Riyadh" and p.plan == "gold" for p in people)
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    csrf = page_csrf(client, "/segments/new")
    preview = client.post("/segments", data={**FORM, "action": "preview", "csrf_token": csrf})
    assert preview.status_code == 200
    assert 'data-testid="segment-preview"' in preview.text
    assert session.scalar(select(Segment.id)) is None
    saved = client.post(
        "/segments", data={**FORM, "action": "save", "csrf_token": csrf}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    segment = session.scalars(select(Segment)).one()
    assert segment.size == expected
    assert segment.definition["conditions"][1]["value"] == ["gold", "platinum"]
    listing = client.get("/segments")
    assert 'dir="rtl"' in listing.text and "عملاء الرياض الذهبيون" in listing.text
    assert f'data-testid="segment-size">{expected}<' in listing.text.replace("\u200f", "")


def test_a_bad_row_is_reported_with_its_row_number(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    csrf = page_csrf(client, "/segments/new")
    data = {
        **FORM,
        "field-0": "",
        "field-3": "total_spend",
        "operator-3": "contains",
        "value-3": "x",
        "csrf_token": csrf,
        "action": "save",
    }
    response = client.post("/segments", data=data)
    assert response.status_code == 422
    assert "Condition 4" in response.text
    assert session.scalar(select(Segment.id)) is None


def test_edit_and_delete_are_audited(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    make_people(session, workspace, count=8)
    segment_id = make_segment(session, workspace, RIYADH).id
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    csrf = page_csrf(client, f"/segments/{segment_id}")
    edited = client.post(
        f"/segments/{segment_id}",
        data={**FORM, "name_en": "Renamed", "csrf_token": csrf, "action": "save"},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    session.expire_all()
    assert session.get(Segment, segment_id).name_en == "Renamed"  # type: ignore[union-attr]
    deleted = client.post(
        f"/segments/{segment_id}/delete", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert deleted.status_code == 303
    session.expire_all()
    assert session.get(Segment, segment_id) is None
    actions = set(session.scalars(select(AuditLogEntry.action)))
    assert {"segment.update", "segment.delete"} <= actions


def test_viewer_reads_without_forms(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    segment = make_segment(session, workspace, RIYADH)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    listing = client.get("/segments")
    assert listing.status_code == 200
    assert 'href="/segments"' in listing.text  # the navigation item
    assert 'data-testid="new-segment"' not in listing.text
    detail = client.get(f"/segments/{segment.id}")
    assert 'data-testid="save-segment"' not in detail.text
    assert 'data-testid="segment-as-of"' in detail.text
    assert client.get("/segments/new").status_code == 403
    csrf = page_csrf(client, "/segments")
    refused = client.post(f"/segments/{segment.id}/delete", data={"csrf_token": csrf})
    assert refused.status_code == 403
