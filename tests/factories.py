"""Typed factories that create real rows through the services, committed."""

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.workspaces import service, tokens
from nabd.workspaces.models import Membership, Workspace
from nabd.workspaces.roles import Role
from nabd.workspaces.schemas import TokenCreate, UserCreate, WorkspaceCreate

PASSWORD = "a-long-test-password"
CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Member:
    membership_id: int
    user_id: int
    email: str
    password: str


def make_workspace(session: Session, slug: str = "acme", *, language: str = "en") -> Workspace:
    workspace = service.create_workspace(
        session,
        data=WorkspaceCreate(slug=slug, name=f"Workspace {slug}", default_language=language),  # type: ignore[arg-type]
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return workspace


def make_member(
    session: Session, workspace: Workspace, role: Role = Role.ADMIN, *, email: str | None = None
) -> Member:
    email = email or f"{role.value}@{workspace.slug}.example"
    membership: Membership = service.add_member(
        session,
        workspace_id=workspace.id,
        data=UserCreate(
            email=email, display_name=f"{role.value} {workspace.slug}", role=role, password=PASSWORD
        ),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return Member(
        membership_id=membership.id, user_id=membership.user_id, email=email, password=PASSWORD
    )


def make_token(session: Session, workspace: Workspace, role: Role = Role.ADMIN) -> tuple[int, str]:
    token, issued = tokens.create_token(
        session,
        workspace_id=workspace.id,
        data=TokenCreate(name=f"{role.value} token", role=role),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return token.id, issued.plaintext


def csrf_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, member: Member) -> Response:
    csrf = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": member.email, "password": member.password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response


def page_csrf(client: TestClient, path: str = "/") -> str:
    return csrf_from(client.get(path).text)
