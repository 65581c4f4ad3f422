"""`nabd analytics …`: the Parquet analytics snapshot."""

import typer

from nabd.analytics.snapshot import refresh_snapshot
from nabd.cli.context import chosen_workspace_ids, cli_session, console, load_settings

app = typer.Typer(help="The analytics snapshot (Parquet files for heavy analytics).")


@app.command("refresh")
def refresh(
    workspace: str | None = typer.Option(None, help="Workspace slug (default: every workspace)."),
    rebuild: bool = typer.Option(False, "--rebuild", help="Rewrite the snapshot from scratch."),
) -> None:
    """Bring the snapshot up to date now, instead of waiting for the periodic job."""
    settings = load_settings()
    for workspace_id in chosen_workspace_ids(settings, workspace):
        # One transaction per workspace: each commits its watermarks once its files are written.
        with cli_session(settings) as session:
            report = refresh_snapshot(
                session,
                root=settings.resolved_analytics_dir,
                workspace_id=workspace_id,
                rebuild=rebuild,
            )
        written = ", ".join(f"{name} {count}" for name, count in report.rows_written.items())
        console.print(f"workspace {workspace_id}: {written}", highlight=False)
    console.print(f"snapshot: {settings.resolved_analytics_dir}", highlight=False)
