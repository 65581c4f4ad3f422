"""`nabd metrics …`: the survey-metric rollups behind the dashboards."""

import typer

from nabd.cli.context import (
    chosen_workspace_ids,
    cli_actor,
    cli_session,
    console,
    load_settings,
)
from nabd.metrics import rollups

app = typer.Typer(help="CX metrics: the rollup tables the dashboards read.")


@app.command("rebuild")
def rebuild(
    workspace: str | None = typer.Option(None, help="Workspace slug (default: every workspace)."),
) -> None:
    """Recompute the metric rollups from the raw survey answers (after a restore or a bug)."""
    settings = load_settings()
    for workspace_id in chosen_workspace_ids(settings, workspace):
        # One transaction per workspace, so a large install does not hold one huge lock.
        with cli_session(settings) as session:
            answers = rollups.rebuild(session, workspace_id=workspace_id, actor=cli_actor())
        console.print(f"workspace {workspace_id}: {answers} answers counted", highlight=False)
