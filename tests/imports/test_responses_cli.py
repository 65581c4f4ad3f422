"""`nabd import responses`: survey answers from another tool, row errors shown (row, column,
reason), a dry run writes nothing, a re-run adds nothing; the old `nabd responses import` is
gone."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.customers.models import CustomerIdentity
from nabd.surveys.models import SurveyResponse
from tests.factories import make_workspace
from tests.imports.helpers import nabd, write_csv
from tests.surveys.factories import make_survey


def _responses(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(SurveyResponse.id))) or 0


def test_import_responses_is_idempotent_and_reports_bad_rows(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    session.commit()
    path = write_csv(
        tmp_path / "answers.csv",
        ["Score", "Comment", "Email", "Submitted"],
        [
            ["9", "خدمة ممتازة", "sara@example.com", "2026-04-01T10:00:00+03:00"],
            ["11", "", "omar@example.com", "2026-04-02T10:00:00+03:00"],
            ["3", "", "", "2026-04-03T10:00:00+03:00"],
        ],
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(
        '{"Score": "nps", "Comment": "what_you_liked", "Email": "email",'
        ' "Submitted": "submitted_at"}',
        encoding="utf-8",
    )
    args = ["responses", str(path), "--survey", str(survey.id), "--workspace", "acme"]

    code, output = nabd(database_url, tmp_path, *args, "--mapping", str(mapping), "--dry-run")
    assert code == 1
    assert "row 3, column Score: " in output and "nothing written" in output
    assert _responses(session) == 0
    assert session.scalar(select(func.count(CustomerIdentity.id))) == 0

    code, output = nabd(database_url, tmp_path, *args, "--mapping", str(mapping))
    assert code == 1
    assert "row 3, column Score: " in output and "3 rows read: 2 added" in output
    assert _responses(session) == 2
    emails = session.scalars(select(CustomerIdentity.value).where(CustomerIdentity.kind == "email"))
    assert list(emails) == ["sara@example.com"]

    code, output = nabd(database_url, tmp_path, *args, "--mapping", str(mapping))
    assert "0 added, 2 already known" in output
    assert _responses(session) == 2


def test_a_dry_run_names_the_column_of_each_bad_cell(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    session.commit()
    path = write_csv(
        tmp_path / "answers.csv",
        ["nps", "email", "submitted_at", "language"],
        [
            ["8", "ok@example.com", "2026-04-01T10:00:00+03:00", "ar"],
            ["7", "not-an-email", "yesterday", "ar"],
            ["6", "", "2026-04-03T10:00:00+03:00", "fr"],
        ],
    )
    args = ["responses", str(path), "--survey", str(survey.id), "--workspace", "acme"]
    code, output = nabd(database_url, tmp_path, *args, "--dry-run")
    assert code == 1
    assert "row 3, column submitted_at: " in output
    assert "row 4, column language: " in output
    assert "row 2" not in output
    assert "Dry run: 3 rows read, 2 with errors; nothing written." in output
    assert _responses(session) == 0


def test_the_old_responses_command_is_gone() -> None:
    result = CliRunner().invoke(cli, ["responses", "import", "--help"])
    assert result.exit_code != 0
