"""Run Alembic programmatically; the migration scripts ship inside the package."""

from collections.abc import Sequence
from importlib.resources import files

import sqlalchemy as sa
from alembic import command, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("nabd") / "migrations"))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    # Passed as an attribute, not an ini option, so '%' in passwords needs no escaping.
    config.attributes["database_url"] = database_url
    return config


def upgrade_database(database_url: str, revision: str = "heads") -> None:
    """Upgrade to every head: domains may add migrations in parallel branches."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade_database(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def head_revisions(database_url: str) -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_up_to_date(engine: Engine) -> bool:
    return current_revisions(engine) == head_revisions(engine.url.render_as_string(False))


def create_index_concurrently(
    name: str, table: str, columns: list[str], *, where: str | None = None
) -> None:
    """PostgreSQL, inside a migration's `autocommit_block`: builds the index CONCURRENTLY
    (partial when `where` is given), taking up where an interrupted run of the migration
    stopped.

    A concurrent build that fails (cancelled, server restart, out of disk) leaves an INVALID
    index of that name behind, which PostgreSQL keeps updating but never reads; it is
    dropped and built again. A valid one means the build finished before the run stopped.
    """
    valid = op.get_bind().scalar(
        sa.text("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(:name)"),
        {"name": name},
    )
    if valid:
        return
    if valid is False:
        op.drop_index(name, table_name=table, postgresql_concurrently=True)
    op.create_index(
        name,
        table,
        columns,
        unique=False,
        postgresql_concurrently=True,
        postgresql_where=None if where is None else sa.text(where),
    )


# An index as a migration names it: (name, table, columns).
IndexSpec = tuple[str, str, list[str]]


def drop_indexes(indexes: Sequence[IndexSpec]) -> None:
    """Drop the indexes; on PostgreSQL each CONCURRENTLY, outside the migration's transaction,
    so it never waits for, nor blocks, the writes to its table, and IF EXISTS, so that a run
    that stopped part way (before alembic recorded the revision) can finish."""
    if op.get_bind().dialect.name != "postgresql":
        for name, table, _columns in indexes:
            op.drop_index(name, table_name=table)
        return
    with op.get_context().autocommit_block():
        for name, table, _columns in indexes:
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)


def create_indexes(indexes: Sequence[IndexSpec], *, where: str | None = None) -> None:
    """Create the indexes, each partial over the rows where `where` (SQL) holds when given;
    on PostgreSQL CONCURRENTLY and resumable (`create_index_concurrently`)."""
    if op.get_bind().dialect.name != "postgresql":
        predicate = None if where is None else sa.text(where)
        for name, table, columns in indexes:
            op.create_index(name, table, columns, unique=False, sqlite_where=predicate)
        return
    with op.get_context().autocommit_block():
        for name, table, columns in indexes:
            create_index_concurrently(name, table, columns, where=where)
