"""`nabd customers …`: maintenance of customer profiles."""

import typer

from nabd.cli.context import cli_session, console, workspace_by_slug
from nabd.customers import service

app = typer.Typer(help="Customer profiles.", no_args_is_help=True)

BATCH_SIZE = 1000


@app.command("reindex")
def reindex(workspace: str = typer.Option(..., help="Workspace slug.")) -> None:
    """Rebuild search terms, sort names and value summaries of every customer."""
    with cli_session() as session:
        target = workspace_by_slug(session, workspace)
        customer_ids = service.all_customer_ids(session, workspace_id=target.id)
        for start in range(0, len(customer_ids), BATCH_SIZE):
            batch = customer_ids[start : start + BATCH_SIZE]
            service.refresh_search_text(session, workspace_id=target.id, customer_ids=batch)
            service.refresh_value_summary(session, workspace_id=target.id, customer_ids=batch)
            session.flush()
            session.expunge_all()
        console.print(f"Reindexed {len(customer_ids)} customers in {target.slug}.")
