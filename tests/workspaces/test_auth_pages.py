"""Signing in and out, rate limiting, safe redirects, and the per-user language."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.workspaces.models import Membership, User
from nabd.workspaces.roles import Role
from tests.factories import csrf_from, make_member, make_workspace, page_csrf, sign_in


def _post_login(client: TestClient, email: str, password: str, next_path: str = "/"):
    csrf = csrf_from(client.get("/login").text)
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf, "next": next_path},
        follow_redirects=False,
    )


def test_sign_in_lands_on_the_overview_and_is_audited(client: TestClient, session: Session) -> None:
    member = make_member(session, make_workspace(session))
    response = _post_login(client, member.email.upper(), member.password)
    assert response.status_code == 303 and response.headers["location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-section="overview"' in page.text
    assert session.scalar(select(AuditLogEntry).where(AuditLogEntry.action == "user.login"))


def test_wrong_password_is_refused_without_saying_which_part(
    client: TestClient, session: Session
) -> None:
    member = make_member(session, make_workspace(session))
    wrong_password = _post_login(client, member.email, "not-the-password")
    unknown_email = _post_login(client, "nobody@acme.example", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert "البريد الإلكتروني أو كلمة المرور غير صحيحة" in wrong_password.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_is_rate_limited(client: TestClient, session: Session) -> None:
    member = make_member(session, make_workspace(session))
    statuses = [_post_login(client, member.email, "wrong-password").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    assert _post_login(client, member.email, member.password).status_code == 429


def test_next_only_redirects_within_the_site(client: TestClient, session: Session) -> None:
    member = make_member(session, make_workspace(session))
    response = _post_login(client, member.email, member.password, "//evil.example/phish")
    assert response.headers["location"] == "/"
    client.post("/logout", data={"csrf_token": page_csrf(client)})
    response = _post_login(client, member.email, member.password, "/settings/users")
    assert response.headers["location"] == "/settings/users"


def test_sign_out_ends_the_session(client: TestClient, session: Session) -> None:
    sign_in(client, make_member(session, make_workspace(session)))
    response = client.post(
        "/logout", data={"csrf_token": page_csrf(client)}, follow_redirects=False
    )
    assert response.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


def test_deactivation_ends_an_open_session(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    make_member(session, workspace, Role.ADMIN)
    agent = make_member(session, workspace, Role.AGENT)
    sign_in(client, agent)
    assert client.get("/").status_code == 200
    session.get(Membership, agent.membership_id).is_active = False
    session.commit()
    assert client.get("/", follow_redirects=False).status_code == 303
    assert _post_login(client, agent.email, agent.password).status_code == 401


def test_language_switch_is_remembered_per_user(client: TestClient, session: Session, app) -> None:
    member = make_member(session, make_workspace(session, language="en"))
    sign_in(client, member)
    assert '<html lang="en" dir="ltr"' in client.get("/").text
    response = client.post(
        "/preferences/language",
        data={"language": "ar", "next": "/settings/users", "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/settings/users"
    page = client.get("/")
    assert '<html lang="ar" dir="rtl"' in page.text
    assert "نظرة عامة" in page.text and "الإعدادات" in page.text
    session.expire_all()
    assert session.get(User, member.user_id).language == "ar"
    # A different browser (no cookies) signing in as the same person gets Arabic too.
    with TestClient(app) as other_browser:
        sign_in(other_browser, member)
        assert 'dir="rtl"' in other_browser.get("/").text


def test_anonymous_language_comes_from_query_cookie_then_browser(client: TestClient) -> None:
    assert 'dir="ltr"' in client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert 'dir="rtl"' in client.get("/login", headers={"Accept-Language": "fr, ar;q=0.5"}).text
    assert 'lang="en"' in client.get("/login?lang=en").text
    # ?lang= is remembered in a cookie for the next page.
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "ar"}).text


def test_user_in_two_workspaces_can_switch(client: TestClient, session: Session) -> None:
    first, second = make_workspace(session, "first"), make_workspace(session, "second")
    member = make_member(session, first, Role.ADMIN, email="both@example.com")
    make_member(session, second, Role.VIEWER, email="both@example.com")
    sign_in(client, member)
    assert client.get("/settings/workspace").status_code == 200
    client.post(
        "/preferences/workspace", data={"workspace_id": second.id, "csrf_token": page_csrf(client)}
    )
    # In the second workspace the same person is only a viewer.
    assert client.get("/settings/workspace", follow_redirects=False).status_code == 403
    outsider = make_workspace(session, "outsider")
    response = client.post(
        "/preferences/workspace",
        data={"workspace_id": outsider.id, "csrf_token": page_csrf(client)},
    )
    assert response.status_code == 403


def test_a_refusal_page_keeps_the_users_language_and_navigation(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session, language="ar")
    make_member(session, workspace, Role.ADMIN)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get("/settings/users")
    assert page.status_code == 403
    assert 'dir="rtl"' in page.text and "دورك لا يسمح بهذا الإجراء" in page.text
    assert 'data-section="overview"' in page.text
