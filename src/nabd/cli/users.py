"""`nabd user …`: add people to a workspace."""

import typer
from pydantic import ValidationError

from nabd.cli.context import cli_actor, cli_session, console, fail, workspace_by_slug
from nabd.cli.validation import describe
from nabd.workspaces import service
from nabd.workspaces.roles import Role
from nabd.workspaces.schemas import UserCreate

app = typer.Typer(help="Manage users.", no_args_is_help=True)


@app.command("create")
def create(
    workspace: str = typer.Option(..., help="Workspace slug."),
    email: str = typer.Option(..., help="Sign-in e-mail."),
    role: Role = typer.Option(..., help="Role in the workspace."),
    name: str | None = typer.Option(None, help="Display name (defaults to the e-mail)."),
    password: str = typer.Option(
        ...,
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        envvar="NABD_NEW_USER_PASSWORD",
        help="Password (asked for when not given; at least 10 characters).",
    ),
) -> None:
    """Create a user (or add an existing one) with a role in a workspace."""
    try:
        data = UserCreate(email=email, display_name=name or email, role=role, password=password)
    except ValidationError as error:
        fail(describe(error))
        return
    with cli_session() as session:
        target = workspace_by_slug(session, workspace)
        membership = service.add_member(
            session, workspace_id=target.id, data=data, actor=cli_actor()
        )
        console.print(f"{membership.user.email} is now {role.value} in {target.slug}.")
