"""`nabd metrics rebuild` repairs rollups that drifted from the raw answers, and is audited."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.core.audit import AuditLogEntry
from nabd.metrics import rollups
from nabd.metrics.models import MetricRollup
from tests.factories import make_workspace
from tests.metrics.factories import answer, make_cx_survey


def test_rebuild_restores_the_rollups(session: Session, database_url: str, tmp_path: Path) -> None:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    answer(session, survey, at=datetime(2026, 5, 1, tzinfo=UTC), scores={"nps": 9, "csat": 2})
    session.commit()
    expected = rollups.stored_rows(session, workspace_id=workspace.id)
    # What a restore of the answers without their rollups leaves behind.
    session.execute(delete(MetricRollup))
    session.commit()

    result = CliRunner().invoke(
        cli,
        ["metrics", "rebuild", "--workspace", "acme"],
        env={"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert f"workspace {workspace.id}: 2 answers counted" in result.output
    session.expire_all()
    assert rollups.stored_rows(session, workspace_id=workspace.id) == expected
    actions = session.scalars(
        select(AuditLogEntry.action).where(AuditLogEntry.workspace_id == workspace.id)
    ).all()
    assert "metrics.rebuild" in actions
