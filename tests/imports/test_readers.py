"""Reading files row by row, and counting them for the CLI's progress bar."""

from pathlib import Path

from openpyxl import Workbook

from nabd.imports.readers import count_rows, read_rows


def test_csv_rows_are_numbered_like_a_spreadsheet_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text('\ufeffname,note\nسارة,"two\nlines"\n\nOmar,x\n', encoding="utf-8")
    assert list(read_rows(path)) == [
        (2, {"name": "سارة", "note": "two\nlines"}),
        (4, {"name": "Omar", "note": "x"}),
    ]
    assert count_rows(path) == 3  # the blank row is counted, then skipped


def test_xlsx_rows_and_count(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["id", "amount"])
    book.active.append([7, 12.0])
    book.active.append([8, 3.5])
    path = tmp_path / "rows.xlsx"
    book.save(path)
    assert [row for _, row in read_rows(path)] == [
        {"id": "7", "amount": "12"},
        {"id": "8", "amount": "3.5"},
    ]
    assert count_rows(path) == 2
