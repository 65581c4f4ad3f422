"""A live `nabd serve` on a random port, prepared through the real CLI, and Debian's Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.databases import throwaway_database

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveServer:
    url: str
    email: str
    password: str
    database_url: str = ""  # the server's database, for tests that seed data directly


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _nabd(environment: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "nabd", *args],
        env=environment,
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("live")
    with ExitStack() as stack:
        base = os.environ.get("NABD_TEST_DATABASE_URL")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        database_url = (
            stack.enter_context(throwaway_database(base, suffix=f"e2e_{worker}"))
            if base
            else f"sqlite:///{data_dir / 'live.sqlite3'}"
        )
        environment = {
            **os.environ,
            "NABD_DATA_DIR": str(data_dir),
            "NABD_DATABASE_URL": database_url,
            "NABD_LOG_LEVEL": "warning",
            # The browser tests sign the same user in more than ten times a minute; the limit
            # itself is tested over HTTP in tests/workspaces.
            "NABD_LOGIN_RATE_LIMIT": "100/minute",
        }
        server = LiveServer(url="", email="maha@e2e.example", password="e2e-browser-password")
        _nabd(environment, "db", "upgrade")
        _nabd(
            environment, "workspace", "create", "e2e", "--name", "شركة الاختبار", "--language", "en"
        )
        _nabd(
            environment,
            "user",
            "create",
            "--workspace",
            "e2e",
            "--email",
            server.email,
            "--role",
            "admin",
            "--name",
            "Maha",
            "--password",
            server.password,
        )
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "nabd", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"nabd serve did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
        try:
            yield LiveServer(
                url=url, email=server.email, password=server.password, database_url=database_url
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Debian's Chromium is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
