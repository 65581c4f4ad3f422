"""Running `nabd import …` as a person would: a CSV written for the test, the CLI on it, and
the rows it left, shared by the import tests and the other domains' tests that import."""

import csv
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def nabd(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str]:
    """`nabd import *args` against `database_url`: its exit code and output."""
    result = CliRunner().invoke(
        cli,
        ["import", *args],
        env={"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)},
    )
    return result.exit_code, result.output


def count(session: Session, model: type) -> int:
    """Rows of `model`'s table now (what another session committed included)."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0
