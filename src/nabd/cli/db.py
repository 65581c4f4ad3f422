"""`nabd db …`: schema migrations."""

import typer

from nabd.cli.context import console, load_settings
from nabd.core.db import create_db_engine
from nabd.core.migrations import current_revisions, head_revisions, upgrade_database

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Option("heads", help="Target revision.")) -> None:
    """Apply pending migrations (SQLite and PostgreSQL alike)."""
    settings = load_settings()
    upgrade_database(settings.resolved_database_url, revision)
    console.print(f"Database at {revision}.")


@app.command("current")
def current() -> None:
    """Show the database's revision and whether migrations are pending."""
    settings = load_settings()
    engine = create_db_engine(settings.resolved_database_url)
    try:
        revisions = current_revisions(engine)
    finally:
        engine.dispose()
    heads = head_revisions(settings.resolved_database_url)
    state = "up to date" if revisions == heads else "migrations pending"
    console.print(f"current: {', '.join(sorted(revisions)) or 'empty'} ({state})")
