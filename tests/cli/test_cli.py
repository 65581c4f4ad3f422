"""The `nabd` command line against the real test database."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.core.audit import AuditLogEntry
from nabd.workspaces.models import Membership, User, Workspace
from nabd.workspaces.roles import Role


@pytest.fixture
def run(database_url: str, tmp_path: Path, engine):
    runner = CliRunner()
    environment = {"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)}

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(cli, list(args), env=environment, input=input)

    return invoke


def test_help_lists_the_commands(run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    for command in ("serve", "demo", "db", "workspace", "user", "token"):
        assert command in result.output


def test_db_upgrade_is_idempotent(run) -> None:
    assert run("db", "upgrade").exit_code == 0
    result = run("db", "current")
    assert result.exit_code == 0 and "up to date" in result.output


def test_workspace_user_and_token_from_the_command_line(
    run,
    session: Session,
    client: TestClient,
) -> None:
    assert run("workspace", "create", "riyadh-retail", "--name", "متاجر الرياض").exit_code == 0
    created = run(
        "user",
        "create",
        "--workspace",
        "riyadh-retail",
        "--email",
        "Ops@Retail.example",
        "--role",
        "admin",
        "--name",
        "أحمد",
        "--password",
        "long-enough-password",
    )
    assert created.exit_code == 0, created.output
    result = run(
        "token",
        "create",
        "--workspace",
        "riyadh-retail",
        "--role",
        "analyst",
        "--name",
        "warehouse",
    )
    assert result.exit_code == 0
    token = result.output.strip()
    assert token.startswith("nabd_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["workspace"]["slug"] == "riyadh-retail" and me["role"] == "analyst"
    user = session.scalar(select(User).where(User.email == "ops@retail.example"))
    assert user is not None and user.display_name == "أحمد"
    actors = set(session.scalars(select(AuditLogEntry.actor_kind)))
    assert actors == {"cli"}


def test_user_create_prompts_for_the_password(run, session: Session) -> None:
    run("workspace", "create", "acme", "--name", "Acme")
    result = run(
        "user",
        "create",
        "--workspace",
        "acme",
        "--email",
        "ask@acme.example",
        "--role",
        "viewer",
        input="prompted-password\nprompted-password\n",
    )
    assert result.exit_code == 0, result.output
    membership = session.scalar(select(Membership))
    assert membership is not None and membership.role == Role.VIEWER


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("workspace", "create", "Bad Slug!", "--name", "x"), "slug"),
        (
            (
                "user",
                "create",
                "--workspace",
                "missing",
                "--email",
                "a@b.example",
                "--role",
                "admin",
                "--password",
                "long-enough-password",
            ),
            "No workspace with slug missing",
        ),
        (
            (
                "user",
                "create",
                "--workspace",
                "acme",
                "--email",
                "not-an-email",
                "--role",
                "admin",
                "--password",
                "long-enough-password",
            ),
            "email",
        ),
        (
            (
                "user",
                "create",
                "--workspace",
                "acme",
                "--email",
                "a@acme.example",
                "--role",
                "admin",
                "--password",
                "short",
            ),
            "password",
        ),
    ],
)
def test_bad_input_is_a_one_line_error(run, session: Session, args, message) -> None:
    run("workspace", "create", "acme", "--name", "Acme")
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert session.scalar(select(func.count(Workspace.id))) == 1
