"""An import that the database stops mid-file ends with the row it stopped at and what to do,
not a driver's traceback; what was committed stays and running the file again completes it."""

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.core.db import create_session_factory
from nabd.customers.models import Customer
from nabd.events.ingest import ingest_events
from nabd.events.models import Event
from nabd.events.rows import rows_of
from nabd.events.schemas import EventIn
from nabd.imports import event_writer, runner
from nabd.imports.runner import ImportStopped
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.imports.helpers import (
    EMAIL_EVENTS_HEADER,
    count,
    email_events,
    hidden_inputs,
    import_email_events,
    nabd,
    write_csv,
)


def test_a_database_failure_stops_the_import_at_its_batch_and_a_rerun_completes_it(
    session: Session,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_workspace(session)
    session.commit()
    path = write_csv(
        tmp_path / "events.csv",
        EMAIL_EVENTS_HEADER,
        email_events("e", [f"{n}@x.example" for n in range(6)]),
    )
    _fail_batch(monkeypatch, 2)
    arguments = ("events", str(path), "--workspace", "acme", "--batch-size", "2")
    code, output = nabd(database_url, tmp_path, *arguments)
    assert code == 1
    assert "Traceback" not in output
    assert (
        "The import stopped at row 4: the database failed (server closed the connection "
        "unexpectedly). Batches committed before it are kept; import the same file again"
    ) in " ".join(output.split())
    stored = count(session, Event)
    assert _import_audits(session) == [{"stopped_at_row": 4, "reason": "database_failed"}]
    monkeypatch.undo()
    code, output = nabd(database_url, tmp_path, *arguments)
    assert code == 0, output
    assert f"6 rows read: {6 - stored} added, {stored} already known, 0 errors." in output
    assert count(session, Event) == 6 and count(session, Customer) == 6
    assert _import_audits(session)[1] == {
        "rows": 6,
        "accepted": 6 - stored,
        "duplicates": stored,
        "errors": 0,
    }


def test_the_upload_page_names_the_stop_in_the_readers_language_and_audits_it(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = make_workspace(session, language="ar")
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    rows = email_events("e", [f"{name}@x.example" for name in "abcd"])
    body = "\n".join(",".join(row) for row in [EMAIL_EVENTS_HEADER, *rows])
    csrf = page_csrf(client, "/imports")
    report = client.post(
        "/imports/check",
        data={"csrf_token": csrf, "kind": "events"},
        files={"file": ("events.csv", body.encode(), "text/csv")},
    )
    assert report.status_code == 200, report.text
    _fail_batch(monkeypatch, 1)  # the page's batches hold thousands of rows: one here
    done = client.post("/imports/run", data=hidden_inputs(report.text))
    assert done.status_code == 409
    assert "توقف الاستيراد عند الصف 2" in done.text
    assert _import_audits(session) == [{"stopped_at_row": 2, "reason": "database_failed"}]
    assert count(session, Event) == 0


def _fail_batch(monkeypatch: pytest.MonkeyPatch, number: int) -> None:
    """The database fails while the import's batch `number` (from 1) is stored."""
    calls: list[int] = []

    def failing_second(store: Any) -> Any:
        def store_or_fail(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) == number:
                raise OperationalError(
                    "INSERT …", {}, Exception("server closed the connection unexpectedly")
                )
            return store(*args, **kwargs)

        return store_or_fail

    validate, ingest = runner.KINDS["events"]
    monkeypatch.setitem(runner.KINDS, "events", (validate, failing_second(ingest)))
    # PostgreSQL's pipelined import resolves each batch here instead.
    monkeypatch.setattr(event_writer, "new_event_rows", failing_second(event_writer.new_event_rows))


def _import_audits(session: Session) -> list[dict[str, Any]]:
    session.expire_all()
    entries = session.scalars(
        select(AuditLogEntry)
        .where(AuditLogEntry.action == "import.events")
        .order_by(AuditLogEntry.id)
    )
    return [entry.details for entry in entries]


def test_customers_held_through_every_wait_stop_the_import_at_their_row(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another transaction keeps a customer the import's third row names (created, not yet
    committed) past all of the importer's bounded lock waits: the rows before it are
    stored, the error names its row, and once the other transaction ends the file
    completes."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's single writer: no other transaction holds a row meanwhile")
    monkeypatch.setattr(event_writer, "LOCK_WAIT", "100ms")
    monkeypatch.setattr(event_writer, "LOCK_WAIT_ATTEMPTS", 2)
    workspace_id = make_workspace(session).id
    session.commit()
    path = write_csv(
        tmp_path / "events.csv",
        EMAIL_EVENTS_HEADER,
        email_events("e", ["a@example.com", "b@example.com", "y@example.com"]),
    )
    held = EventIn.model_validate(
        {
            "event_id": "other",
            "customer": {"email": "y@example.com"},
            "type": "page_view",
            "timestamp": "2026-05-01T12:00:00+00:00",
        }
    )

    holder = create_session_factory(engine)()
    try:
        ingest_events(holder, workspace_id=workspace_id, events=rows_of([(0, held)]))
        with pytest.raises(ImportStopped) as stopped:
            import_email_events(engine, workspace_id, path)
        assert str(stopped.value).startswith(
            "The import stopped at row 4: customers named there were held by another import "
            "or API request for too long. Every row before it is stored;"
        )
        assert count(session, Event) == 2
    finally:
        holder.rollback()
        holder.close()
    report = import_email_events(engine, workspace_id, path)
    assert (report.accepted, report.duplicates) == (1, 2)
    assert count(session, Event) == 3 and count(session, Customer) == 3
