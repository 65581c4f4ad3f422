"""Rows of a CSV or XLSX file, one at a time, never the whole file in memory."""

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

Row = dict[str, str]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_records(path: Path, size: int) -> Iterator[tuple[list[str], list[int], list[list[str]]]]:
    """(header, row numbers, cell lists) of up to `size` non-blank rows at a time: the
    column-wise import of events reads a batch without a dict per row."""
    # utf-8-sig: Excel writes a byte-order mark in front of UTF-8 CSV files.
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        numbers: list[int] = []
        records: list[list[str]] = []
        for line_number, values in enumerate(reader, start=2):
            if any(values):
                numbers.append(line_number)
                records.append(values)
                if len(records) == size:
                    yield header, numbers, records
                    numbers, records = [], []
        if records:
            yield header, numbers, records


def _csv_rows(path: Path) -> Iterator[tuple[int, Row]]:
    for header, numbers, records in csv_records(path, 1000):
        for line_number, values in zip(numbers, records, strict=True):
            yield line_number, dict(zip(header, values, strict=False))


def _workbook(path: Path, **options: Any) -> Any:
    """The XLSX file's workbook. openpyxl is loaded here, on first use, not with the module:
    the import's reader process (`nabd.imports.reader_process`, CSV files only) starts
    a fifth of a second sooner without it."""
    from openpyxl import load_workbook

    return load_workbook(path, **options)


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Row]]:
    workbook = _workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.active.iter_rows(values_only=True)
        header = [_cell_text(name).strip() for name in next(rows, ())]
        for row_number, values in enumerate(rows, start=2):
            cells = [_cell_text(value) for value in values]
            if any(cells):
                yield row_number, dict(zip(header, cells, strict=False))
    finally:
        workbook.close()


def is_csv(path: Path) -> bool:
    return path.suffix.lower() not in {".xlsx", ".xlsm"}


def read_rows(path: Path) -> Iterator[tuple[int, Row]]:
    """(row number as a spreadsheet shows it, {column: text}); blank rows are skipped."""
    return _csv_rows(path) if is_csv(path) else _xlsx_rows(path)


def count_rows(path: Path) -> int | None:
    """Data rows in the file (blank ones included), for a progress bar; None if unknown.

    A CSV costs one quick pass of the reader; an XLSX reports its dimension when it has one.
    """
    if not is_csv(path):
        workbook = _workbook(path, read_only=True)
        try:
            last = workbook.active.max_row
        finally:
            workbook.close()
        return max(last - 1, 0) if last else None
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return max(sum(1 for _ in csv.reader(handle)) - 1, 0)
