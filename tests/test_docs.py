"""Docs are tested: every setting and every CLI command is documented, and the README holds
the two commands."""

import re
from pathlib import Path

import typer.main

from nabd.api.access import api_routes
from nabd.api.app import create_app
from nabd.cli.main import app
from nabd.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _command_paths(command: object, prefix: str = "nabd") -> list[str]:
    # Typer bundles its own click, so groups are recognised by their sub-commands.
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [prefix]
    paths = []
    for name, sub in subcommands.items():
        paths += _command_paths(sub, f"{prefix} {name}")
    return paths


def test_every_cli_command_is_documented() -> None:
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) >= 8
    documented = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [path for path in paths if f"`{path}`" not in documented]
    assert missing == []


def test_every_api_endpoint_is_documented(settings: Settings) -> None:
    documented = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    endpoints = [
        f"`{method} {context.path}`"
        for context in api_routes(create_app(settings))
        if context.path.startswith("/api/v1/") and "openapi" not in context.path
        for method in context.methods
    ]
    assert len(endpoints) >= 40
    assert [endpoint for endpoint in endpoints if endpoint not in documented] == []


def test_every_setting_is_documented() -> None:
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = [f"NABD_{name.upper()}" for name in Settings.model_fields]
    assert [name for name in names if f"`{name}`" not in documented] == []


def test_readme_has_the_install_and_test_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)
    assert any("pip install -e ." in block and "nabd demo" in block for block in blocks)
    assert any("pytest" in block for block in blocks)


def test_ci_runs_the_readme_test_command_on_both_databases() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^pytest$", ci, flags=re.M)
    assert re.search(r"^NABD_TEST_DATABASE_URL=\S+ pytest$", ci, flags=re.M)
