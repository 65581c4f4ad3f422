"""`nabd workspace …`: create and list workspaces."""

import typer
from pydantic import ValidationError

from nabd.cli.context import cli_actor, cli_session, console, fail
from nabd.cli.validation import describe
from nabd.workspaces import service
from nabd.workspaces.schemas import WorkspaceCreate

app = typer.Typer(help="Manage workspaces (tenants).", no_args_is_help=True)


@app.command("create")
def create(
    slug: str = typer.Argument(help="Short name used in commands, e.g. acme."),
    name: str = typer.Option(..., help="Display name, e.g. 'شركة أكمي'."),
    language: str = typer.Option("ar", help="Default language: ar or en."),
    time_zone: str = typer.Option("Asia/Riyadh", help="IANA time zone."),
) -> None:
    """Create a workspace."""
    try:
        data = WorkspaceCreate(
            slug=slug,
            name=name,
            default_language=language,  # type: ignore[arg-type]
            time_zone=time_zone,
        )
    except ValidationError as error:
        fail(describe(error))
        return
    with cli_session() as session:
        workspace = service.create_workspace(session, data=data, actor=cli_actor())
        console.print(f"Created workspace {workspace.slug} (id {workspace.id}).")


@app.command("list")
def list_() -> None:
    """List workspaces."""
    with cli_session() as session:
        for workspace in service.list_workspaces(session):
            console.print(f"{workspace.slug}\t{workspace.name}\t{workspace.default_language}")
