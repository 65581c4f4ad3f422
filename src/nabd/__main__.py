"""`python -m nabd` runs the same CLI as the `nabd` command."""

from nabd.cli.main import app

app()
