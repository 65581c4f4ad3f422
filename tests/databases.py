"""Creating and dropping throw-away PostgreSQL databases for a test run."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text

from nabd.core.db import create_db_engine
from nabd.core.migrations import upgrade_database


@contextmanager
def throwaway_database(base_url: str, *, suffix: str) -> Iterator[str]:
    """A fresh database named after `base_url`'s plus `suffix`, dropped afterwards."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}".lower()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database_at(base_url: str, revision: str) -> Iterator[str]:
    """A fresh throw-away database migrated to `revision`: the state a migration starts from."""
    with throwaway_database(base_url, suffix=f"at_{revision}") as url:
        upgrade_database(url, revision)
        yield url


@contextmanager
def migrated_to(database_url: str, revision: str, directory: Path) -> Iterator[str]:
    """A fresh database of the run's kind migrated to `revision`: on PostgreSQL a throw-away
    one (`database_at`), on SQLite a file in `directory`."""
    if database_url.startswith("postgresql"):
        with database_at(database_url, revision) as url:
            yield url
        return
    url = f"sqlite:///{directory / f'at_{revision}.sqlite3'}"
    upgrade_database(url, revision)
    yield url


def run_autocommit(url: str, statement: str) -> None:
    """One statement outside a transaction (as `CREATE INDEX CONCURRENTLY` needs)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def index_states(
    url: str, condition: str, parameters: dict[str, Any]
) -> dict[str, tuple[bool, str]]:
    """PostgreSQL: the indexes whose `pg_index i` / `pg_class c` rows meet `condition`, each
    with its validity and definition."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT c.relname, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i"  # noqa: S608
                    f" JOIN pg_class c ON c.oid = i.indexrelid WHERE {condition}"
                ),
                parameters,
            )
            return {name: (valid, definition) for name, valid, definition in rows}
    finally:
        engine.dispose()
