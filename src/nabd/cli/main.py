"""The `nabd` command: one entry point, a sub-command group per domain."""

import typer

from nabd.cli import (
    analytics,
    customers,
    db,
    demo,
    imports,
    metrics,
    segments,
    serve,
    text,
    tokens,
    users,
    worker,
    workspaces,
    write_keys,
)

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
app.add_typer(customers.app, name="customers")
app.command("worker")(worker.worker)
app.add_typer(analytics.app, name="analytics")
app.add_typer(metrics.app, name="metrics")
app.add_typer(segments.app, name="segments")
app.add_typer(imports.app, name="import")
app.add_typer(write_keys.app, name="write-key")
app.add_typer(text.app, name="text")
app.add_typer(text.evaluation_app, name="eval")
