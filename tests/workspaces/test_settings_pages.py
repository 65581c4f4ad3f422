"""The admin settings pages: workspace, users, API tokens, audit log."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.workspaces.models import ApiToken, Membership, User, Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, page_csrf, sign_in


def _actions(session: Session) -> list[str]:
    session.expire_all()
    return list(session.scalars(select(AuditLogEntry.action).order_by(AuditLogEntry.id)))


def test_admin_updates_workspace_settings(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace))
    response = client.post(
        "/settings/workspace",
        data={
            "name": " مؤسسة الأفق ",
            "default_language": "ar",
            "time_zone": "Africa/Cairo",
            "csrf_token": page_csrf(client),
        },
    )
    assert response.status_code == 200
    session.expire_all()
    saved = session.get(Workspace, workspace.id)
    assert (saved.name, saved.default_language, saved.time_zone) == (
        "مؤسسة الأفق",
        "ar",
        "Africa/Cairo",
    )
    assert "workspace.update" in _actions(session)


def test_invalid_workspace_settings_are_explained_and_not_saved(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace))
    response = client.post(
        "/settings/workspace",
        data={
            "name": "",
            "default_language": "fr",
            "time_zone": "Mars/Olympus",
            "csrf_token": page_csrf(client),
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 422
    assert 'data-field-error="name"' in response.text
    assert 'data-field-error="time_zone"' in response.text
    assert "Unknown time zone" in response.text
    session.expire_all()
    assert session.get(Workspace, workspace.id).time_zone == "Asia/Riyadh"


def test_admin_adds_changes_and_deactivates_a_user(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace))
    client.post(
        "/settings/users",
        data={
            "email": "Huda@Acme.example",
            "display_name": "هدى",
            "role": "agent",
            "password": "a-fine-password",
            "csrf_token": page_csrf(client),
        },
    )
    session.expire_all()
    huda = session.scalar(select(User).where(User.email == "huda@acme.example"))
    assert huda is not None and huda.password_hash.startswith("$argon2id$")
    assert huda.language == "en"  # starts in the workspace's default language
    membership = session.scalar(select(Membership).where(Membership.user_id == huda.id))
    assert membership.role == Role.AGENT
    client.post(
        f"/settings/users/{membership.id}/role",
        data={"role": "analyst", "csrf_token": page_csrf(client)},
    )
    client.post(
        f"/settings/users/{membership.id}/status",
        data={"active": "false", "csrf_token": page_csrf(client)},
    )
    session.expire_all()
    membership = session.get(Membership, membership.id)
    assert (membership.role, membership.is_active) == (Role.ANALYST, False)
    assert _actions(session)[-3:] == ["member.add", "member.change_role", "member.deactivate"]


def test_adding_a_user_validates_every_field(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    admin = make_member(session, workspace)
    sign_in(client, admin)
    response = client.post(
        "/settings/users",
        data={
            "email": "not-an-email",
            "display_name": "",
            "role": "owner",
            "password": "short",
            "csrf_token": page_csrf(client),
        },
    )
    assert response.status_code == 422
    for field in ("email", "display_name", "role", "password"):
        assert f'data-field-error="{field}"' in response.text
    duplicate = client.post(
        "/settings/users",
        data={
            "email": admin.email,
            "display_name": "Again",
            "role": "viewer",
            "password": "a-fine-password",
            "csrf_token": page_csrf(client),
        },
    )
    assert duplicate.status_code == 409


def test_the_last_admin_cannot_be_demoted_or_deactivated(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    admin = make_member(session, workspace)
    sign_in(client, admin)
    demoted = client.post(
        f"/settings/users/{admin.membership_id}/role",
        data={"role": "viewer", "csrf_token": page_csrf(client)},
    )
    assert demoted.status_code == 422
    deactivated = client.post(
        f"/settings/users/{admin.membership_id}/status",
        data={"active": "false", "csrf_token": page_csrf(client)},
    )
    assert deactivated.status_code == 422
    session.expire_all()
    assert session.get(Membership, admin.membership_id).role == Role.ADMIN


def test_api_token_is_shown_once_stored_hashed_and_revocable(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace))
    page = client.post(
        "/settings/tokens",
        data={"name": "CRM sync", "role": "viewer", "csrf_token": page_csrf(client)},
    )
    assert page.status_code == 201
    plaintext = page.text.split('id="new-token-value" value="')[1].split('"')[0]
    assert plaintext.startswith("nabd_")
    stored = session.scalar(select(ApiToken).where(ApiToken.name == "CRM sync"))
    assert stored.token_digest != plaintext and plaintext not in stored.token_digest
    assert plaintext not in client.get("/settings/tokens").text
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/workspace", headers=headers).status_code == 200
    client.post(f"/settings/tokens/{stored.id}/revoke", data={"csrf_token": page_csrf(client)})
    assert client.get("/api/v1/workspace", headers=headers).status_code == 401
    assert _actions(session)[-2:] == ["token.create", "token.revoke"]


def test_audit_page_shows_changes_with_customer_text_escaped(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace))
    client.post(
        "/settings/workspace",
        data={
            "name": "<script>alert(1)</script>",
            "default_language": "en",
            "time_zone": "Asia/Riyadh",
            "csrf_token": page_csrf(client),
        },
    )
    page = client.get("/settings/audit")
    assert "workspace.update" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text or "\\u003cscript" in page.text
