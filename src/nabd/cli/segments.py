"""`nabd segments …`: recompute segment membership."""

import typer

from nabd.cli.context import chosen_workspace_ids, cli_session, console, load_settings
from nabd.segments import service

app = typer.Typer(help="Customer segments.")


@app.command("refresh")
def refresh(
    workspace: str | None = typer.Option(None, help="Workspace slug (default: every workspace)."),
) -> None:
    """Recompute every segment's members now, instead of waiting for the hourly job."""
    settings = load_settings()
    for workspace_id in chosen_workspace_ids(settings, workspace):
        # One transaction per workspace, so a large one does not hold the others back.
        with cli_session(settings) as session:
            sizes = service.refresh_workspace(session, workspace_id=workspace_id)
        shown = ", ".join(f"#{segment_id} {size}" for segment_id, size in sizes.items())
        console.print(f"workspace {workspace_id}: {shown or 'no segments'}", highlight=False)
