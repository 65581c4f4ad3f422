"""`nabd serve --workers N`: several web processes on PostgreSQL, refused on SQLite."""

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.events.models import Event
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace


def test_several_workers_are_refused_on_the_embedded_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["serve", "--workers", "2"],
        env={
            "NABD_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "NABD_DATA_DIR": str(tmp_path),
        },
    )
    assert result.exit_code == 1
    assert "PostgreSQL" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_several_workers_serve_the_api_on_postgresql(
    database_url: str, session: Session, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several web workers need PostgreSQL (set NABD_TEST_DATABASE_URL)")
    workspace = make_workspace(session)
    _, token = make_token(session, workspace, Role.ANALYST)
    session.commit()
    port = _free_port()
    env = {
        **os.environ,
        "NABD_DATABASE_URL": database_url,
        "NABD_DATA_DIR": str(tmp_path),
        "NABD_JOBS_EMBEDDED_CONSUMER": "false",
        "NABD_LOG_LEVEL": "warning",
    }
    command = [sys.executable, "-m", "nabd", "serve", "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            assert server.poll() is None, "nabd serve --workers 2 exited"
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)

        def post(batch: int) -> int:
            events = [
                {
                    "event_id": f"b{batch}-{n}",
                    "customer": {"external_id": f"c{n}"},
                    "type": "page_view",
                    "timestamp": "2026-11-01T10:00:00+03:00",
                }
                for n in range(50)
            ]
            reply = httpx.post(
                base + "/api/v1/events",
                json={"events": events},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert reply.status_code == 200, reply.text
            return int(reply.json()["accepted"])

        with ThreadPoolExecutor(4) as pool:
            assert sum(pool.map(post, range(8))) == 400
    finally:
        server.terminate()
        server.wait(timeout=30)
    stored = session.scalar(select(func.count(Event.id)).where(Event.workspace_id == workspace.id))
    assert stored == 400
