"""Fixtures: a real, migrated database (SQLite, or PostgreSQL via NABD_TEST_DATABASE_URL),
the application over real HTTP (TestClient), and signed-in clients."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from nabd.api.app import create_app
from nabd.config import Settings
from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.migrations import upgrade_database
from nabd.model_registry import metadata
from tests.databases import throwaway_database
from tests.lanes import RouteCalls, hold_token_cache


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    base = os.environ.get("NABD_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'nabd-test.sqlite3'}"
        return
    with throwaway_database(base, suffix=worker) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_database(database_url)
    engine = create_db_engine(database_url)
    yield engine
    engine.dispose()


def _empty_all_tables(engine: Engine) -> None:
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _isolate_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that touch the database start from empty tables."""
    yield
    if "engine" in request.fixturenames:
        _empty_all_tables(request.getfixturevalue("engine"))


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    session = create_session_factory(engine)()
    yield session
    session.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        data_dir=tmp_path,
        secret_key="test-secret-key-for-signing-sessions",  # type: ignore[arg-type]
        default_language="ar",
    )


@pytest.fixture
def app(settings: Settings, engine: Engine) -> FastAPI:
    return create_app(settings, engine=engine)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def route_calls(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> RouteCalls:
    """The requests FastAPI's routes handled (the rest were served by `nabd.api.lane`), with
    the token cache's clock held still."""
    hold_token_cache(monkeypatch)
    return RouteCalls(app)
