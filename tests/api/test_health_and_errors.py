"""Probes, the error envelope and the OpenAPI document."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.api.app import create_app
from nabd.config import Settings
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace, sign_in


def test_readiness_reports_a_current_schema(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "migrations": "current"}


def test_readiness_fails_while_migrations_are_pending(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        secret_key="x" * 32,  # type: ignore[call-arg,arg-type]
        database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending"


def test_error_envelope_names_the_field_and_reason(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    _, token = make_token(session, workspace, Role.ADMIN)
    headers = {"Authorization": f"Bearer {token}"}
    response = client.patch(
        "/api/v1/workspace", json={"time_zone": "Nowhere/Else", "colour": "red"}, headers=headers
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    reasons = {detail["field"]: detail["reason"] for detail in error["details"]}
    assert reasons["time_zone"].startswith("Unknown time zone")
    assert reasons["colour"] == "This field is not allowed."
    arabic = client.patch(
        "/api/v1/workspace",
        json={"time_zone": "Nowhere/Else"},
        headers={**headers, "Accept-Language": "ar"},
    )
    assert arabic.json()["error"]["details"][0]["reason"].startswith("منطقة زمنية غير معروفة")


def test_unknown_api_paths_are_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_security_headers_are_set(client: TestClient) -> None:
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_openapi_document_needs_credentials(client: TestClient, session: Session) -> None:
    assert client.get("/api/v1/openapi.json").status_code == 401
    workspace = make_workspace(session)
    _, token = make_token(session, workspace, Role.VIEWER)
    spec = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}).json()
    assert {"/api/v1/me", "/api/v1/workspace", "/api/v1/users", "/api/v1/audit-log"} <= set(
        spec["paths"]
    )
    assert not any(path.startswith("/settings") for path in spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    patch = spec["paths"]["/api/v1/workspace"]["patch"]
    assert patch["security"] == [{"bearer": []}]
    error_schema = patch["responses"]["422"]["content"]["application/json"]["schema"]
    assert error_schema == {"$ref": "#/components/schemas/ErrorEnvelope"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    sign_in(client, make_member(session, workspace))
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
