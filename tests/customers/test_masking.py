"""Masking per role is a workspace setting: the admin chooses who sees contact details masked,
and pages and the API follow it at once; the change is audited."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry
from nabd.customers import masking
from nabd.workspaces.roles import Role
from tests.customers.factories import make_customer
from tests.events.factories import bearer
from tests.factories import make_member, make_workspace, page_csrf, sign_in

EMAIL = "layla.h@example.com"
PHONE = "+966551234567"


def _shown(client: TestClient, headers: dict[str, str]) -> dict[str, str]:
    items = client.get("/api/v1/customers", headers=headers).json()["items"]
    return {i["kind"]: i["value"] for i in items[0]["identities"]}


def test_defaults_mask_viewers_and_analysts_only(session: Session) -> None:
    workspace = make_workspace(session)
    assert masking.masked_roles(session, workspace_id=workspace.id) == {Role.VIEWER, Role.ANALYST}


def test_the_admin_chooses_the_masked_roles(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    make_customer(session, workspace, "ليلى", email=EMAIL, phone=PHONE)
    agent, viewer = bearer(session, workspace, Role.AGENT), bearer(session, workspace, Role.VIEWER)
    assert _shown(client, agent) == {"email": EMAIL, "phone": PHONE}
    assert _shown(client, viewer) == {"email": "l***@example.com", "phone": "+9665*****567"}

    sign_in(client, make_member(session, workspace, Role.ADMIN))
    page = client.get("/customers/masking")
    assert 'id="mask_viewer" name="mask_viewer" value="on" checked' in page.text
    saved = client.post(
        "/customers/masking",
        data={"csrf_token": page_csrf(client, "/customers/masking"), "mask_agent": "on"},
    )
    assert saved.status_code == 200  # followed the redirect back to the form

    assert _shown(client, agent) == {"email": "l***@example.com", "phone": "+9665*****567"}
    assert _shown(client, viewer) == {"email": EMAIL, "phone": PHONE}
    audit = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "customers.masking")
    ).one()
    assert audit.details == {"masked_roles": ["agent"]}


def test_admins_are_never_masked_and_others_cannot_choose(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    make_customer(session, workspace, "ليلى", email=EMAIL)
    masking.set_masked_roles(
        session, workspace_id=workspace.id, roles=list(Role), actor=SYSTEM_ACTOR
    )
    session.commit()
    assert _shown(client, bearer(session, workspace, Role.ADMIN)) == {"email": EMAIL}
    sign_in(client, make_member(session, workspace, Role.AGENT))
    assert client.get("/customers/masking").status_code == 403
    page = client.get("/customers")
    assert "l***@example.com" in page.text and EMAIL not in page.text
