"""The `nabd` command: one entry point, a sub-command group per domain."""

import typer

from nabd.cli import db, demo, serve, tokens, users, workspaces

app = typer.Typer(
    name="nabd",
    help="nabd (نبض): open-source customer experience management, Arabic-first.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.add_typer(db.app, name="db")
app.add_typer(workspaces.app, name="workspace")
app.add_typer(users.app, name="user")
app.add_typer(tokens.app, name="token")
