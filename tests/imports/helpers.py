"""Running `nabd import …` as a person would: a CSV written for the test, the CLI on it, and
the rows it left, shared by the import tests and the other domains' tests that import."""

import csv
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.core.db import create_session_factory
from nabd.imports.mapping import default_mapping
from nabd.imports.runner import ImportReport, run_import

# An events file whose customers are named by e-mail (`email_events`).
EMAIL_EVENTS_HEADER = ["event_id", "customer.email", "type", "timestamp"]


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


def email_events(prefix: str, emails: list[str]) -> list[list[str]]:
    """A page view for each e-mail, ids `prefix0`, `prefix1` …, a minute apart."""
    return [
        [f"{prefix}{n}", email, "page_view", f"2026-05-01T10:{n:02d}:00+00:00"]
        for n, email in enumerate(emails)
    ]


def import_email_events(
    engine: Engine,
    workspace_id: int,
    path: Path,
    *,
    batch_size: int = 1,
    on_batch: Callable[[int], None] | None = None,
) -> ImportReport:
    """`run_import` of an `email_events` file, one row a batch unless told."""
    return run_import(
        create_session_factory(engine),
        workspace_id=workspace_id,
        kind="events",
        path=path,
        mapping=default_mapping("events", EMAIL_EVENTS_HEADER),
        time_zone="UTC",
        phone_region="SA",
        batch_size=batch_size,
        on_batch=on_batch,
    )


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden fields of a page's form (the upload report's confirmation)."""
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
