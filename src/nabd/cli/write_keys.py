"""`nabd write-key …`: the public key the website snippet sends."""

import typer

from nabd.cli.context import cli_actor, cli_session, console, workspace_by_slug
from nabd.events import write_keys

app = typer.Typer(help="The website snippet's public write key.", no_args_is_help=True)


@app.command("show")
def show(workspace: str = typer.Option(..., help="Workspace slug.")) -> None:
    """Print the workspace's active write key."""
    with cli_session() as session:
        target = workspace_by_slug(session, workspace)
        console.print(write_keys.active_write_key(session, workspace_id=target.id).key)


@app.command("rotate")
def rotate(workspace: str = typer.Option(..., help="Workspace slug.")) -> None:
    """Issue a new write key (the previous one stops working) and print it."""
    with cli_session() as session:
        target = workspace_by_slug(session, workspace)
        key = write_keys.rotate_write_key(session, workspace_id=target.id, actor=cli_actor())
        console.print(key.key)
