"""`nabd token …`: API tokens for integrations."""

import typer
from pydantic import ValidationError

from nabd.cli.context import cli_actor, cli_session, console, fail, workspace_by_slug
from nabd.cli.validation import describe
from nabd.workspaces import tokens
from nabd.workspaces.roles import Role
from nabd.workspaces.schemas import TokenCreate

app = typer.Typer(help="Manage API tokens.", no_args_is_help=True)


@app.command("create")
def create(
    workspace: str = typer.Option(..., help="Workspace slug."),
    role: Role = typer.Option(..., help="Role the token acts with."),
    name: str = typer.Option(..., help="What the token is for, e.g. 'CRM sync'."),
) -> None:
    """Create an API token and print it once; only its hash is stored."""
    try:
        data = TokenCreate(name=name, role=role)
    except ValidationError as error:
        fail(describe(error))
        return
    with cli_session() as session:
        target = workspace_by_slug(session, workspace)
        _token, issued = tokens.create_token(
            session, workspace_id=target.id, data=data, actor=cli_actor()
        )
    console.print(issued.plaintext, highlight=False, soft_wrap=True)
