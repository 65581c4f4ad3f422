"""A goal can be scoped to a segment; its progress is the metric over the segment."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace, sign_in
from tests.segments.factories import RIYADH, make_segment


def _body(owner_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "name": "NPS الرياض",
        "metric": "nps",
        "baseline": 0,
        "target_kind": "change",
        "target_amount": 10,
        "start_date": "2026-10-01",
        "end_date": "2026-12-31",
        "owner_id": owner_id,
        **fields,
    }


def test_a_goal_scoped_to_a_segment(
    client: TestClient, session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    segment = make_segment(session, workspace, RIYADH)
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    _, token = make_token(session, workspace, Role.ANALYST)
    headers = {"Authorization": f"Bearer {token}"}

    created = client.post(
        "/api/v1/goals", json=_body(owner.user_id, segment_id=segment.id), headers=headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["scope"]["segment_id"] == segment.id

    unknown = client.post(
        "/api/v1/goals", json=_body(owner.user_id, segment_id=segment.id + 9), headers=headers
    )
    assert unknown.status_code == 422
    assert [d["field"] for d in unknown.json()["error"]["details"]] == ["segment_id"]

    sign_in(client, owner)
    page = client.get(f"/goals/{created.json()['id']}")
    assert page.status_code == 200
    assert 'data-testid="goal-segment"' in page.text
    assert "عملاء الرياض" in page.text or "Riyadh customers" in page.text
