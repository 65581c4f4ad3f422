"""Reading responses exported by other survey tools (CSV or XLSX), row by row.

A mapping ties column headers to question keys or to the response's own fields; without one,
columns named like a question key or a field below map themselves. Each row gets an
idempotency key (its response id column, else a hash of the row), so a re-run adds nothing.
Rows are read and errors reported (row, column, reason) the way the other `nabd import`
commands do (nabd.imports); a dry run is the same run rolled back by the caller.
"""

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from nabd.core.i18n import gettext
from nabd.core.validation import describe_errors
from nabd.imports.mapping import Mapping as ColumnMap
from nabd.imports.mapping import column_of
from nabd.imports.readers import Row
from nabd.imports.runner import ImportReport, RowError
from nabd.surveys.errors import InvalidResponse
from nabd.surveys.models import Survey
from nabd.surveys.questions import from_text
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn
from nabd.surveys.service import spec_of

FIELDS = ("response_id", "submitted_at", "language", "channel", "email", "phone", "external_id")


def load_mapping(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    mapping = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ValueError("the mapping file must be a JSON object of column → question key")
    return mapping


class CellInvalid(ValueError):
    """A cell that cannot be read (a date that is not a date), with its column."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column


def _row_to_response(
    survey: Survey, row: Mapping[str, str], mapping: Mapping[str, str]
) -> tuple[dict[str, Any], str | None, ColumnMap]:
    """The response body, its response id, and the column behind each field of the body."""
    questions = {question.key: question for question in survey.questions}
    body: dict[str, Any] = {"answers": []}
    customer: dict[str, str] = {}
    columns: ColumnMap = {}
    response_id = None
    for column, cell in row.items():
        target = mapping.get(column, column)
        if not cell.strip():
            continue
        if target in questions:
            question = questions[target]
            columns[f"answers.{len(body['answers'])}"] = column
            value = from_text(spec_of(question), cell)
            body["answers"].append({"question_id": question.id, "value": value})
        elif target in ("email", "phone", "external_id"):
            customer[target] = cell.strip()
            columns[f"customer.{target}"] = column
        elif target == "response_id":
            response_id = cell.strip()
        elif target == "submitted_at":
            try:
                submitted = datetime.fromisoformat(cell.strip())
            except ValueError as error:
                raise CellInvalid(column, str(error)) from error
            body["submitted_at"] = submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC)
            columns[target] = column
        elif target in ("language", "channel"):
            body[target] = cell.strip()
            columns[target] = column
    if customer:
        body["customer"] = customer
    return body, response_id, columns


def import_rows(
    session: Session,
    *,
    survey: Survey,
    rows: Iterator[tuple[int, Row]],
    mapping: Mapping[str, str],
    default_language: str,
    dry_run: bool = False,
) -> ImportReport:
    """Record every valid row as a response; never commits.

    A dry run records them inside a savepoint it then rolls back, so the report (duplicates
    included) is the real one and nothing stays. A savepoint rather than the caller's
    rollback: on SQLite (pysqlite) the savepoint `record_response` opens is otherwise
    released as a commit.
    """
    if dry_run:
        outer = session.begin_nested()
        try:
            return import_rows(
                session,
                survey=survey,
                rows=rows,
                mapping=mapping,
                default_language=default_language,
            )
        finally:
            outer.rollback()
    report = ImportReport()
    for number, row in rows:
        report.rows += 1
        columns: ColumnMap = {}
        try:
            body, response_id, columns = _row_to_response(survey, row, mapping)
            data = ResponseIn.model_validate(body)
            digest = (
                response_id
                or hashlib.sha256(
                    json.dumps(row, sort_keys=True, ensure_ascii=False).encode()
                ).hexdigest()
            )
            _, created = record_response(
                session,
                survey=survey,
                data=data,
                default_language=default_language,
                idempotency_key=f"import:{survey.id}:{digest}",
            )
        except CellInvalid as error:
            report.add_errors([RowError(number, error.column, str(error))])
            continue
        except (ValidationError, InvalidResponse) as error:
            report.add_errors(
                [
                    RowError(number, column_of(columns, field), reason)
                    for field, reason in _describe(error)
                ]
            )
            continue
        if created:
            report.accepted += 1
        else:
            report.duplicates += 1
    return report


def _describe(error: ValidationError | InvalidResponse) -> list[tuple[str, str]]:
    """(field path, reason) for each problem of the row."""
    if isinstance(error, ValidationError):
        return [(d["field"], d["reason"]) for d in describe_errors(error.errors(), "en")]
    return [
        (d.field, gettext("en", d.reason) % dict(d.params) if d.params else d.reason)
        for d in error.details
    ]
