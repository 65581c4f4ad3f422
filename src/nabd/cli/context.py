"""What every command needs: settings, a database session, a CLI actor, friendly errors."""

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import all_workspace_ids
from nabd.config import Settings, get_settings
from nabd.core.audit import Actor
from nabd.core.db import create_db_engine, create_session_factory, transaction
from nabd.core.errors import NabdError
from nabd.workspaces import service as workspaces
from nabd.workspaces.models import Workspace

console = Console()
error_console = Console(stderr=True)


def cli_actor() -> Actor:
    """The operating-system account that ran the command, for the audit log."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Actor(kind="cli", label=f"cli:{name}")


def load_settings() -> Settings:
    settings = get_settings()
    settings.ensure_data_dir()
    return settings


@contextmanager
def cli_session(settings: Settings | None = None) -> Iterator[Session]:
    """A committed-on-success transaction; domain errors become a one-line message, exit 1."""
    settings = settings or load_settings()
    engine = create_db_engine(settings.resolved_database_url)
    try:
        with transaction(create_session_factory(engine)) as session:
            yield session
    except NabdError as error:
        fail(str(error))
    finally:
        engine.dispose()


def fail(message: str) -> None:
    error_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=1)


def workspace_by_slug(session: Session, slug: str) -> Workspace:
    return workspaces.get_workspace_by_slug(session, slug=slug)


def chosen_workspace_ids(settings: Settings, slug: str | None) -> list[int]:
    """The workspace an optional `--workspace SLUG` names, or every workspace without it."""
    with cli_session(settings) as session:
        if slug is None:
            return all_workspace_ids(session)
        return [workspace_by_slug(session, slug).id]
