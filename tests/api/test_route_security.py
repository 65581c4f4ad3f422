"""Deny-by-default, proved over every registered route rather than a hand-picked few."""

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import RouteContext
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.api.access import PUBLIC, api_routes, route_access
from nabd.core.audit import AuditLogEntry
from nabd.workspaces.models import ApiToken, Membership, Workspace
from nabd.workspaces.roles import Role, role_allows
from tests.factories import (
    Member,
    make_member,
    make_token,
    make_workspace,
    page_csrf,
    sign_in,
)
from tests.isolation import objects_in_other_workspace

# The explicit allow-list of what an anonymous visitor may reach (plus /static).
PUBLIC_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/s/{token}"),
    ("POST", "/s/{token}"),
    # The survey widget's strings, read from the company's own site (the link is the key).
    ("GET", "/s/{token}/widget.json"),
    # The website snippet posts here with the workspace's public write key (events only).
    ("POST", "/api/v1/collect"),
}
PATH_PARAMETER = re.compile(r"\{([^}]+)\}")


def routes(app: FastAPI) -> Iterator[tuple[str, RouteContext]]:
    for route in api_routes(app):
        for method in sorted(route.methods):
            yield method, route


def fill(path: str, values: dict[str, int] | None = None) -> str:
    return PATH_PARAMETER.sub(lambda m: str((values or {}).get(m.group(1), 1)), path)


def test_every_route_declares_an_access_policy(app: FastAPI) -> None:
    declared = [(route.path, route_access(route)) for _method, route in routes(app)]
    assert len(declared) >= 20
    assert [path for path, access in declared if access is None] == []


def test_only_the_allow_list_is_public(app: FastAPI) -> None:
    public = {
        (method, route.path) for method, route in routes(app) if route_access(route) == PUBLIC
    }
    assert public == PUBLIC_ROUTES


def test_anonymous_requests_are_refused_everywhere_else(app: FastAPI, client: TestClient) -> None:
    checked = 0
    for method, route in routes(app):
        if (method, route.path) in PUBLIC_ROUTES:
            continue
        response = client.request(method, fill(route.path), follow_redirects=False)
        checked += 1
        if route.path.startswith("/api/"):
            assert response.status_code == 401, (method, route.path, response.status_code)
            assert response.json()["error"]["code"] == "not_authenticated"
        elif method == "GET":
            assert response.status_code == 303, (method, route.path)
            assert response.headers["location"].startswith("/login?next=")
        else:
            # Unsafe page requests fail on CSRF or authentication, never reach a handler.
            assert response.status_code in {401, 403}, (method, route.path, response.status_code)
    assert checked >= 15


def test_public_routes_answer_anonymously(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/login").status_code == 200
    assert client.get("/static/nabd.css").status_code == 200


@pytest.mark.parametrize("role", [Role.VIEWER, Role.AGENT, Role.ANALYST])
def test_roles_without_a_permission_are_refused(
    app: FastAPI, client: TestClient, session: Session, role: Role
) -> None:
    workspace = make_workspace(session)
    make_member(session, workspace, Role.ADMIN)
    sign_in(client, make_member(session, workspace, role))
    csrf = page_csrf(client)
    refused = 0
    for method, route in routes(app):
        permission = route_access(route)
        if permission == PUBLIC or role_allows(role, permission):
            continue
        path = fill(route.path)
        if path.startswith("/api/") and method != "GET":
            continue  # cookie sessions cannot write through the API at all (see below)
        response = client.request(
            method,
            path,
            data={"csrf_token": csrf} if method == "POST" else None,
            follow_redirects=False,
        )
        assert response.status_code == 403, (role, method, route.path, response.status_code)
        refused += 1
    assert refused >= 8


def test_api_tokens_are_held_to_their_role(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _, viewer_token = make_token(session, workspace, Role.VIEWER)
    headers = {"Authorization": f"Bearer {viewer_token}"}
    assert client.get("/api/v1/workspace", headers=headers).status_code == 200
    assert client.get("/api/v1/users", headers=headers).status_code == 403
    assert client.patch("/api/v1/workspace", json={"name": "x"}, headers=headers).status_code == 403


def test_a_session_cookie_cannot_write_through_the_api(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    assert client.get("/api/v1/workspace").status_code == 200
    response = client.patch("/api/v1/workspace", json={"name": "Changed by a forged request"})
    assert response.status_code == 401
    session.expire_all()
    assert session.get(Workspace, workspace.id).name == "Workspace acme"


def test_every_form_post_requires_the_csrf_token(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    audit_rows_before = session.scalar(select(func.count(AuditLogEntry.id)))
    posts = [r for m, r in routes(app) if m == "POST" and not r.path.startswith("/api/")]
    for route in posts:
        response = client.post(
            fill(route.path), data={"csrf_token": "forged"}, follow_redirects=False
        )
        assert response.status_code == 403, route.path
    assert len(posts) >= 8
    assert session.scalar(select(func.count(AuditLogEntry.id))) == audit_rows_before


def test_session_cookie_is_http_only_and_same_site(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    response = sign_in(client, make_member(session, workspace))
    cookie = response.headers["set-cookie"].lower()
    assert "nabd_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie


class TestWorkspaceIsolation:
    """An admin of workspace A can neither read nor change anything of workspace B."""

    @pytest.fixture
    def setup(self, session: Session) -> tuple[Member, dict[str, int]]:
        a, b = make_workspace(session, "alpha"), make_workspace(session, "beta")
        admin_a = make_member(session, a, Role.ADMIN)
        make_member(session, b, Role.ADMIN)
        ids_in_b = objects_in_other_workspace(session, b)
        return admin_a, {"a": a.id, "b": b.id, **ids_in_b}

    def test_pages_refuse_objects_of_another_workspace(
        self,
        app: FastAPI,
        client: TestClient,
        session: Session,
        setup: tuple[Member, dict[str, int]],
    ) -> None:
        admin_a, ids = setup
        sign_in(client, admin_a)
        csrf = page_csrf(client)
        # API writes accept only bearer tokens, so the API is probed with admin A's token.
        _, token_a = make_token(session, session.get(Workspace, ids["a"]), Role.ADMIN)
        # Public routes take a capability token, not an object id: nothing to isolate.
        with_params = [
            (m, r)
            for m, r in routes(app)
            if PATH_PARAMETER.search(r.path) and route_access(r) != PUBLIC
        ]
        assert with_params, "expected routes with object ids"
        for method, route in with_params:
            unknown = [name for name in PATH_PARAMETER.findall(route.path) if name not in ids]
            assert not unknown, f"extend this test with B's ids for {unknown}"
            if route.path.startswith("/api/"):
                response = client.request(
                    method,
                    fill(route.path, ids),
                    json={} if method in {"POST", "PUT", "PATCH"} else None,
                    headers={"Authorization": f"Bearer {token_a}"},
                )
            else:
                response = client.request(
                    method,
                    fill(route.path, ids),
                    data={"csrf_token": csrf, "role": "admin", "active": "false"},
                    follow_redirects=False,
                )
            assert response.status_code == 404, (method, route.path, response.status_code)
        session.expire_all()
        # Spot-check that nothing of B changed (each domain's isolation test checks its own).
        b_viewer = session.get(Membership, ids["membership_id"])
        assert b_viewer.role == Role.VIEWER and b_viewer.is_active
        assert session.get(ApiToken, ids["token_id"]).revoked_at is None

    def test_api_lists_only_the_callers_workspace(
        self, client: TestClient, session: Session, setup: tuple[Member, dict[str, int]]
    ) -> None:
        _, ids = setup
        _, token_a = make_token(session, session.get(Workspace, ids["a"]), Role.ADMIN)
        headers = {"Authorization": f"Bearer {token_a}"}
        users = client.get("/api/v1/users", headers=headers).json()["items"]
        assert {user["email"] for user in users} == {"admin@alpha.example"}
        entries = client.get("/api/v1/audit-log?limit=1000", headers=headers).json()["items"]
        assert entries and all("beta" not in str(entry["details"]) for entry in entries)
        renamed = client.patch("/api/v1/workspace", json={"name": "Alpha Co"}, headers=headers)
        assert renamed.json()["slug"] == "alpha"
        session.expire_all()
        assert session.get(Workspace, ids["b"]).name == "Workspace beta"
