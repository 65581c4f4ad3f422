"""Membership is refreshed by the hourly job and by `nabd segments refresh`."""

from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from huey import Huey
from sqlalchemy import update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.config import Settings
from nabd.customers.models import Customer
from nabd.jobs.queue import configure_jobs
from nabd.jobs.registry import periodic_task_names
from nabd.segments import service
from nabd.segments.models import Segment
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.segments.factories import make_people, make_segment

SPENDERS = {"conditions": [{"field": "total_spend", "operator": "gte", "value": 100}]}


def _everyone_spends(session: Session, workspace_id: int) -> int:
    count = session.execute(
        update(Customer)
        .where(Customer.workspace_id == workspace_id)
        .values(total_spend=Decimal(500))
    ).rowcount
    session.commit()
    return int(count)


def test_the_hourly_refresh_is_scheduled() -> None:
    assert "nabd.segments.tasks.refresh_segments_hourly" in periodic_task_names()


def test_the_job_refreshes_every_workspace_with_segments(
    session: Session, jobs_settings: Settings
) -> None:
    from nabd.segments.tasks import refresh_segments_hourly, refresh_workspace_segments

    workspace = make_workspace(session)
    make_workspace(session, "empty")
    make_people(session, workspace, count=10)
    segment = make_segment(session, workspace, SPENDERS)
    everyone = _everyone_spends(session, workspace.id)
    configure_jobs(jobs_settings)
    assert refresh_segments_hourly.call_local() == [workspace.id]
    assert refresh_workspace_segments.call_local(workspace.id) == {segment.id: everyone}
    session.expire_all()
    assert session.get(Segment, segment.id).size == everyone  # type: ignore[union-attr]


def test_the_command_refreshes_one_workspace(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    make_people(session, workspace, count=10)
    segment = make_segment(session, workspace, SPENDERS)
    everyone = _everyone_spends(session, workspace.id)
    result = CliRunner().invoke(
        cli,
        ["segments", "refresh", "--workspace", "acme"],
        env={"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert f"workspace {workspace.id}: #{segment.id} {everyone}" in result.output
    session.expire_all()
    assert session.get(Segment, segment.id).size == everyone  # type: ignore[union-attr]


def test_a_large_segment_is_computed_by_a_job_after_the_commit(
    client: TestClient,
    session: Session,
    queue: Huey,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nabd.segments.tasks import refresh_one_segment

    monkeypatch.setattr(service, "INLINE_REFRESH_LIMIT", 3)
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=10)
    _, token = make_token(session, workspace, Role.ANALYST)
    body = {
        "name_ar": "المنفقون",
        "name_en": "Spenders",
        "definition": {"conditions": [{"field": "order_count", "operator": "gte", "value": 0}]},
    }
    created = client.post(
        "/api/v1/segments", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["size"] is None and created.json()["refreshed_at"] is None
    assert queue.pending_count() == 1
    assert refresh_one_segment.call_local(workspace.id, created.json()["id"]) == len(people)
