"""The periodic refresh is registered, and refreshes run by a consumer and by `nabd worker`."""

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.analytics.snapshot import snapshot_freshness
from nabd.analytics.tasks import refresh_workspace_snapshot
from nabd.cli.main import app
from nabd.config import Settings
from nabd.jobs.consumer import EmbeddedConsumer
from nabd.jobs.queue import configure_jobs
from nabd.jobs.registry import periodic_task_names
from tests.analytics.seed import read_table, seed_spine
from tests.factories import make_workspace
from tests.jobs.polling import wait_for


def _fresh(session: Session, workspace_id: int) -> bool:
    session.rollback()
    return snapshot_freshness(session, workspace_id=workspace_id) is not None


def test_the_snapshot_schedules_are_registered() -> None:
    assert {
        "nabd.analytics.tasks.rebuild_snapshots_nightly",
        "nabd.analytics.tasks.refresh_due_snapshots",
    } <= set(periodic_task_names())


def test_the_periodic_job_refreshes_due_workspaces(
    session: Session, jobs_settings: Settings, start_consumer: Callable[[], EmbeddedConsumer]
) -> None:
    from nabd.analytics.tasks import refresh_due_snapshots

    workspace = make_workspace(session)
    configure_jobs(jobs_settings)
    start_consumer()

    assert refresh_due_snapshots.call_local() == [workspace.id]

    wait_for(lambda: _fresh(session, workspace.id))


def test_nabd_worker_runs_jobs_queued_before_it_started(
    session: Session, jobs_settings: Settings
) -> None:
    workspace = make_workspace(session)
    seed_spine(session, workspace, days=5)
    configure_jobs(jobs_settings)
    refresh_workspace_snapshot(workspace.id)
    environment = {
        **os.environ,
        "NABD_DATABASE_URL": jobs_settings.resolved_database_url,
        "NABD_DATA_DIR": str(jobs_settings.data_dir),
        "NABD_JOBS_QUEUE_NAME": jobs_settings.jobs_queue_name,
        "NABD_ANALYTICS_REFRESH_MINUTES": "0",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "nabd", "worker", "--workers", "1"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _fresh(session, workspace.id) or worker.poll() is not None, timeout=60)
    finally:
        worker.send_signal(signal.SIGINT)
        output = worker.communicate(timeout=30)[0].decode()
    assert worker.returncode == 0, output
    assert _fresh(session, workspace.id), output
    # Rows younger than the settle time wait; the seeded ones are old enough.
    assert read_table(jobs_settings.resolved_analytics_dir, workspace.id, "customers").height == 6


def test_nabd_analytics_refresh(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session, f"w{uuid.uuid4().hex[:6]}")
    seed_spine(session, workspace, days=5)
    environment = {
        "NABD_DATABASE_URL": settings.resolved_database_url,
        "NABD_DATA_DIR": str(settings.data_dir),
    }

    result = CliRunner().invoke(
        app, ["analytics", "refresh", "--workspace", workspace.slug, "--rebuild"], env=environment
    )

    assert result.exit_code == 0, result.output
    assert f"workspace {workspace.id}: customers 6" in result.output
    assert _fresh(session, workspace.id)
    assert read_table(settings.resolved_analytics_dir, workspace.id, "channels").height == 2
