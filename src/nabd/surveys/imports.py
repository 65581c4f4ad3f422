"""Reading responses exported by other survey tools (CSV or XLSX), row by row.

A mapping ties column headers to question keys or to the response's own fields; without one,
columns named like a question key or a field below map themselves. Each row gets an
idempotency key (its response id column, else a hash of the row), so a re-run adds nothing.
"""

import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError
from sqlalchemy.orm import Session

from nabd.core.i18n import gettext
from nabd.core.validation import describe_errors
from nabd.surveys.errors import InvalidResponse
from nabd.surveys.models import Survey
from nabd.surveys.questions import from_text
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn
from nabd.surveys.service import spec_of

FIELDS = ("response_id", "submitted_at", "language", "channel", "email", "phone", "external_id")


@dataclass
class ImportReport:
    imported: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {header: cell}) for every data row."""
    if path.suffix.lower() == ".xlsx":
        workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        headers = [str(value or "").strip() for value in next(cells, ())]
        for number, values in enumerate(cells, start=2):
            yield number, {h: _cell(v) for h, v in zip(headers, values, strict=False) if h}
        workbook.close()
        return
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=2):
            yield number, {key.strip(): value or "" for key, value in row.items() if key}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load_mapping(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    mapping = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ValueError("the mapping file must be a JSON object of column → question key")
    return mapping


def _row_to_response(
    survey: Survey, row: Mapping[str, str], mapping: Mapping[str, str]
) -> tuple[dict[str, Any], str | None]:
    questions = {question.key: question for question in survey.questions}
    body: dict[str, Any] = {"answers": []}
    customer: dict[str, str] = {}
    response_id = None
    for column, cell in row.items():
        target = mapping.get(column, column)
        if not cell.strip():
            continue
        if target in questions:
            question = questions[target]
            value = from_text(spec_of(question), cell)
            body["answers"].append({"question_id": question.id, "value": value})
        elif target in ("email", "phone", "external_id"):
            customer[target] = cell.strip()
        elif target == "response_id":
            response_id = cell.strip()
        elif target == "submitted_at":
            submitted = datetime.fromisoformat(cell.strip())
            body["submitted_at"] = submitted if submitted.tzinfo else submitted.replace(tzinfo=UTC)
        elif target in ("language", "channel"):
            body[target] = cell.strip()
    if customer:
        body["customer"] = customer
    return body, response_id


def import_rows(
    session: Session,
    *,
    survey: Survey,
    rows: Iterator[tuple[int, dict[str, str]]],
    mapping: Mapping[str, str],
    default_language: str,
) -> ImportReport:
    report = ImportReport()
    for number, row in rows:
        try:
            body, response_id = _row_to_response(survey, row, mapping)
            data = ResponseIn.model_validate(body)
        except ValueError as error:
            report.errors.append(f"row {number}: {_describe(error)}")
            continue
        digest = (
            response_id
            or hashlib.sha256(
                json.dumps(row, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()
        )
        try:
            _, created = record_response(
                session,
                survey=survey,
                data=data,
                default_language=default_language,
                idempotency_key=f"import:{survey.id}:{digest}",
            )
        except InvalidResponse as error:
            report.errors.append(f"row {number}: {_describe(error)}")
            continue
        if created:
            report.imported += 1
        else:
            report.duplicates += 1
    return report


def _describe(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{d['field']}: {d['reason']}" for d in describe_errors(error.errors(), "en")
        )
    if isinstance(error, InvalidResponse):
        return "; ".join(
            f"{d.field}: {gettext('en', d.reason) % dict(d.params) if d.params else d.reason}"
            for d in error.details
        )
    return str(error)
