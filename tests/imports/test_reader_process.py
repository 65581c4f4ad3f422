"""An events CSV read in a second process: the same batches, errors and early stops as on
a thread, and the reader never outlives the import."""

import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from nabd.core.db import create_session_factory
from nabd.core.plain_rows import sqlite_moment
from nabd.customers.models import CustomerIdentity
from nabd.customers.references import using_phone_region
from nabd.events.models import Event
from nabd.events.rows import EventRow
from nabd.imports import event_writer, reader_process, runner
from nabd.imports.event_columns import checked_event_batches
from nabd.imports.mapping import default_mapping
from nabd.imports.reader_process import ReaderFailed, ReaderJob, checked_in_process
from tests.customers.factories import make_places
from tests.factories import make_workspace
from tests.imports.helpers import count, nabd, write_csv

HEADER = ["event_id", "customer.phone", "type", "touchpoint", "timestamp", "properties.sku"]
ROWS = [
    ["e1", "0501234567", "page_view", "checkout", "2026-05-01T10:00:00+03:00", "X1"],
    ["e2", "0551234567", "page_view", "", "2026-05-01 11:00:00", "X2"],
    ["e3", "+971501234567", "not a type!", "", "2026-05-01 11:00:00", ""],
    ["e4", "0501234567", "add_to_cart", "", "soon", ""],
    ["e5", "0501234567"],
    ["e6", "0501234567", "add_to_cart", "", "2026-05-01 12:00:00", "X6"],
]


def with_moment(row: EventRow) -> EventRow:
    return row._replace(stored_moment=sqlite_moment(row.timestamp))


def job(path: Path, size: int = 2, for_sqlite: bool = True) -> ReaderJob:
    mapping = default_mapping("events", HEADER)
    zone = ZoneInfo("Asia/Riyadh")
    return ReaderJob(path, mapping, zone, size, "en", "SA", for_sqlite=for_sqlite)


def import_events(
    engine: Engine, workspace_id: int, path: Path, **options: Any
) -> runner.ImportReport:
    """`nabd import events` of a file with HEADER's columns, as the CLI runs it."""
    return runner.run_import(
        create_session_factory(engine),
        workspace_id=workspace_id,
        kind="events",
        path=path,
        mapping=default_mapping("events", HEADER),
        time_zone="Asia/Riyadh",
        phone_region="SA",
        **options,
    )


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """The reader processes started during the test."""
    readers: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def recording(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        readers.append(popen(*args, **kwargs))
        return readers[-1]

    monkeypatch.setattr(reader_process.subprocess, "Popen", recording)
    return readers


@pytest.fixture
def every_file_large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as large enough for a reader process."""
    monkeypatch.setattr(reader_process, "PROCESS_MIN_BYTES", 0)


def test_the_reader_process_checks_as_the_thread_does(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    """Row numbers, rows (a national phone read in the job's region) and rejections."""
    path = write_csv(tmp_path / "events.csv", HEADER, ROWS)
    reading = job(path)
    # The same batches read here, on this thread, in the job's region.
    with using_phone_region(reading.phone_region):
        expected = list(
            checked_event_batches(
                path,
                mapping=reading.mapping,
                zone=reading.zone,
                size=reading.size,
                locale=reading.locale,
            )
        )
    received = list(checked_in_process(reading))
    assert {type(row) for _, items, _ in received for _, row in items} == {EventRow}
    # The reader also computes each row's SQLite text of its timestamp.
    assert received == [
        (numbers, [(at, with_moment(row)) for at, row in items], rejected)
        for numbers, items, rejected in expected
    ]
    assert [len(numbers) for numbers, _, _ in expected] == [2, 2, 2]
    assert expected[0][1][0][1].identities == (("phone", "+966501234567"),)
    assert {r.field for _, _, rejected in expected for r in rejected} >= {"type", "timestamp"}
    assert [reader.returncode for reader in started] == [0]


def test_for_postgresql_the_reader_process_leaves_the_moments_to_the_driver(
    tmp_path: Path,
) -> None:
    """PostgreSQL binds the timestamps themselves: no SQLite text is computed for them."""
    path = write_csv(tmp_path / "events.csv", HEADER, ROWS)
    received = list(checked_in_process(job(path, for_sqlite=False)))
    rows = [row for _, items, _ in received for _, row in items]
    assert len(rows) == 3
    assert {row.stored_moment for row in rows} == {None}
    assert all(row.timestamp.tzinfo is not None for row in rows)


def test_the_reader_process_starts_without_the_database_or_web_layers() -> None:
    """Its start-up is the importer's wait for the first batch: SQLAlchemy, FastAPI and
    openpyxl (XLSX) are not loaded by the modules it runs."""
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, nabd.imports.reader_process; print(*sorted(sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "nabd.imports.event_columns" in loaded
    assert not [
        name for name in loaded if name.split(".")[0] in {"sqlalchemy", "fastapi", "openpyxl"}
    ]


def test_an_error_while_reading_reaches_the_importer(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\ne1,\xff\xfe,page_view\n")
    with pytest.raises(UnicodeDecodeError):
        list(checked_in_process(job(path)))


def test_an_importer_that_stops_ends_the_reader(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    path = write_csv(tmp_path / "events.csv", HEADER, ROWS * 2000)
    with pytest.raises(RuntimeError, match="database gone"):
        for _batch in checked_in_process(job(path)):
            raise RuntimeError("database gone")
    assert started[0].poll() is not None


def test_a_reader_that_dies_is_an_error(
    tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    path = write_csv(tmp_path / "events.csv", HEADER, ROWS * 2000)
    with pytest.raises(ReaderFailed, match="code -9"):
        for _batch in checked_in_process(job(path)):
            started[0].kill()


@pytest.mark.usefixtures("every_file_large")
def test_nabd_import_reads_a_large_file_in_a_process(
    session: Session, database_url: str, tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    """The dry run, the import and a second import of the same file, each with its reader
    process."""
    workspace = make_workspace(session)
    make_places(session, workspace)
    path = write_csv(tmp_path / "events.csv", HEADER, ROWS)
    arguments = ("events", str(path), "--workspace", "acme", "--batch-size", "2")
    code, output = nabd(database_url, tmp_path, *arguments, "--dry-run")
    assert code == 1
    assert "row 4, column type:" in output
    assert "row 5, column timestamp:" in output
    assert "row 6, column type: This field is required." in output
    assert "Dry run: 6 rows read, 4 with errors; nothing written." in output
    assert count(session, Event) == 0
    code, output = nabd(database_url, tmp_path, *arguments)
    assert "6 rows read: 3 added, 0 already known, 4 errors." in output
    code, output = nabd(database_url, tmp_path, *arguments)
    assert "6 rows read: 0 added, 3 already known, 4 errors." in output
    assert count(session, Event) == 3
    phones = set(
        session.scalars(select(CustomerIdentity.value).where(CustomerIdentity.kind == "phone"))
    )
    assert phones == {"+966501234567", "+966551234567"}
    assert len(started) == 3
    assert all(reader.returncode == 0 for reader in started)


@pytest.mark.usefixtures("every_file_large")
def test_a_failed_store_ends_the_reader_before_the_error_is_raised(
    session: Session,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    started: list[subprocess.Popen[bytes]],
) -> None:
    """The import's traceback keeps its frame (and the batches' generator) alive: the reader
    is ended by the import itself, not whenever that is collected."""

    def failing(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setitem(runner.KINDS, "events", (runner.KINDS["events"][0], failing))
    monkeypatch.setattr(event_writer, "new_event_rows", failing)  # PostgreSQL's store step
    workspace = make_workspace(session)
    path = write_csv(tmp_path / "events.csv", HEADER, ROWS * 2000)
    with pytest.raises(RuntimeError, match="database gone"):
        import_events(engine, workspace.id, path, reader_process=True)
    assert len(started) == 1
    assert all(reader.poll() is not None for reader in started)


# What an import stores, by natural keys (workspaces, customers and places get their own ids),
# each value as the driver returns it: text on SQLite, so byte for byte.
STORED = text(
    "SELECT e.client_event_id, i.kind, i.value, e.type, t.key, ch.key, e.occurred_at, "
    "e.properties, c.first_seen_at, c.last_seen_at FROM events AS e "
    "JOIN customer_seen AS c ON c.customer_id = e.customer_id "
    "JOIN customer_identities AS i ON i.customer_id = c.customer_id "
    "LEFT JOIN touchpoints AS t ON t.id = e.touchpoint_id "
    "LEFT JOIN channels AS ch ON ch.id = e.channel_id "
    "WHERE e.workspace_id = :workspace ORDER BY e.client_event_id, i.kind, i.value"
)


@pytest.mark.usefixtures("every_file_large")
def test_the_process_stores_what_the_thread_stores(
    session: Session, engine: Engine, tmp_path: Path, started: list[subprocess.Popen[bytes]]
) -> None:
    """The same file imported with its reader on a thread and in a process:
    the same rows, moments and customers' seen dates, the same report; a second import of
    it adds nothing."""
    # ROWS 40 times over, with their own ids, and a timestamp of its own for each valid one.
    unknown_place = ["e7", "0501234567", "page_view", "nowhere", "2026-05-01 12:00:00", ""]
    rows = [[f"{row[0]}-{n}", *row[1:]] for n in range(40) for row in [*ROWS, unknown_place]]
    for n, row in enumerate(rows):
        if len(row) > 4 and row[4] != "soon":
            row[4] = f"2026-05-0{1 + n % 3} {n % 24:02}:{n % 60:02}:00"
    path = write_csv(tmp_path / "events.csv", HEADER, rows)
    stored = []
    for slug, in_process in (("thread", False), ("process", True)):
        workspace = make_workspace(session, slug)
        make_places(session, workspace)
        reports = [
            import_events(engine, workspace.id, path, batch_size=7, reader_process=in_process)
            for _ in range(2)
        ]
        session.expire_all()
        stored.append((reports, list(session.execute(STORED, {"workspace": workspace.id}))))
    (thread_reports, thread_rows), (process_reports, process_rows) = stored
    assert process_rows == thread_rows
    assert len(thread_rows) == 120
    assert process_reports == thread_reports  # row numbers and reasons of the errors too
    unknown = "row 8, column touchpoint: Unknown touchpoint key nowhere; define the touchpoint"
    assert any(str(error).startswith(unknown) for error in thread_reports[0].errors)
    assert [(r.accepted, r.duplicates, r.error_count) for r in thread_reports] == [
        (120, 0, 200),
        (0, 120, 200),
    ]
    assert len(started) == 2
