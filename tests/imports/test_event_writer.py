"""An events import whose batches are COPYed on a second connection (PostgreSQL,
`nabd.imports.event_writer`) stores what one connection stored; on SQLite the same scenarios
run through the one-connection path."""

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_session_factory, transaction
from nabd.customers import privacy
from nabd.customers.models import Customer, CustomerIdentity
from nabd.events.batch import BatchOutcome
from nabd.events.ingest import ingest_events
from nabd.events.models import Event
from nabd.events.rows import rows_of
from nabd.events.schemas import EventIn
from nabd.imports import runner
from nabd.imports.runner import ImportReport
from tests.customers.factories import make_customer
from tests.events.test_references import NONE, orphans
from tests.factories import make_workspace
from tests.imports.helpers import (
    EMAIL_EVENTS_HEADER,
    count,
    email_events,
    import_email_events,
    write_csv,
)


def _writer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("nabd-import-writer")]


def test_an_import_over_several_transactions_stores_each_event_once(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "ROWS_PER_TRANSACTION", 4)
    workspace_id = make_workspace(session).id
    emails = [f"c{n % 3}@example.com" for n in range(11)]
    path = write_csv(tmp_path / "events.csv", EMAIL_EVENTS_HEADER, email_events("e", emails))
    progress: list[int] = []
    report = import_email_events(engine, workspace_id, path, batch_size=2, on_batch=progress.append)
    assert (report.rows, report.accepted, report.duplicates) == (11, 11, 0)
    assert progress == [2, 2, 2, 2, 2, 1]  # every batch, in order, once stored
    again = import_email_events(engine, workspace_id, path, batch_size=2)
    assert (again.accepted, again.duplicates) == (0, 11)
    assert count(session, Event) == 11 and count(session, Customer) == 3
    assert orphans(session) == NONE
    last = session.scalar(
        select(Customer).join(Customer.identities).where(CustomerIdentity.value == "c1@example.com")
    )
    assert last is not None and last.last_seen_at.isoformat() == "2026-05-01T10:10:00+00:00"
    assert _writer_threads() == []


def test_a_repeat_after_committed_batches_keeps_them_and_makes_no_customer_of_its_own(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first repeat is met with batches before it in flight or committed and one
    prepared after it: those before are kept, it and the one after are stored again looking
    their ids up, so the repeat's unknown e-mail makes no customer."""
    monkeypatch.setattr(runner, "ROWS_PER_TRANSACTION", 3)
    workspace_id = make_workspace(session).id
    first = write_csv(
        tmp_path / "first.csv",
        EMAIL_EVENTS_HEADER,
        [["old", "a@example.com", "page_view", "2026-05-01T09:00:00+00:00"]],
    )
    import_email_events(engine, workspace_id, first)
    rows = email_events("n", [f"n{n}@example.com" for n in range(4)])
    rows += [["old", "ghost@example.com", "page_view", "2026-05-01T11:00:00+00:00"]]
    rows += email_events("m", ["late@example.com", "n0@example.com"])
    second = write_csv(tmp_path / "second.csv", EMAIL_EVENTS_HEADER, rows)
    report = import_email_events(engine, workspace_id, second)
    assert (report.rows, report.accepted, report.duplicates) == (7, 6, 1)
    values = set(session.scalars(select(CustomerIdentity.value)))
    assert "ghost@example.com" not in values and "late@example.com" in values
    assert count(session, Event) == 7 and count(session, Customer) == 6
    assert orphans(session) == NONE


def test_an_erasure_during_an_import_waits_for_its_events_and_then_anonymises_them(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    workspace_id = workspace.id
    erased_id = make_customer(session, workspace, email="first@example.com").id
    session.commit()
    emails = ["first@example.com", "other@example.com"] * 3
    path = write_csv(tmp_path / "events.csv", EMAIL_EVENTS_HEADER, email_events("e", emails))
    factory = create_session_factory(engine)
    failures: list[BaseException] = []

    def erase() -> None:
        try:
            with transaction(factory) as erasing:
                privacy.erase_customer(
                    erasing, workspace_id=workspace_id, customer_id=erased_id, actor=SYSTEM_ACTOR
                )
        except BaseException as error:  # reported below
            failures.append(error)

    eraser = threading.Thread(target=erase)

    def on_batch(_rows: int) -> None:
        if eraser.ident is None:  # after the first batch, with the others still to store
            eraser.start()
            time.sleep(0.5)
            assert eraser.is_alive()  # waiting for the import's events to be committed

    report = import_email_events(engine, workspace_id, path, on_batch=on_batch)
    eraser.join(timeout=30)
    assert failures == [] and report.accepted == 6
    session.expire_all()
    assert session.get(Customer, erased_id) is None
    stored = select(func.count()).select_from(Event).where(Event.customer_id == erased_id)
    assert session.scalar(stored) == 0
    assert count(session, Event) == 6 and orphans(session) == NONE


def test_a_failed_import_leaves_no_event_of_an_uncommitted_customer_and_a_rerun_completes_it(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "ROWS_PER_TRANSACTION", 3)
    workspace_id = make_workspace(session).id
    path = write_csv(
        tmp_path / "events.csv",
        EMAIL_EVENTS_HEADER,
        email_events("e", [f"{n}@x.example" for n in range(8)]),
    )
    seen: list[int] = []

    def fail_at_the_fifth(rows: int) -> None:
        seen.append(rows)
        if len(seen) == 5:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        import_email_events(engine, workspace_id, path, on_batch=fail_at_the_fifth)
    assert _writer_threads() == []
    stored = count(session, Event)
    assert stored < 8 and orphans(session) == NONE
    report = import_email_events(engine, workspace_id, path)
    assert (report.accepted, report.duplicates) == (8 - stored, stored)
    assert count(session, Event) == 8 and count(session, Customer) == 8
    assert orphans(session) == NONE


def _waiting_on_locks(engine: Engine) -> int:
    """Backends of this database waiting for a row or key another transaction holds."""
    with engine.connect() as probe:
        return probe.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


def test_a_batch_waiting_for_the_writer_while_holding_a_customer_the_import_needs(
    engine: Engine, session: Session, tmp_path: Path
) -> None:
    """A request's batch creates a customer the import's next batch names too, then waits
    for an event id that the writer COPYed and has not committed; the importer then waits
    for that customer's identity. The writer commits only after the importer: on
    PostgreSQL's side a chain of waits with no cycle in it (the writer is idle), so it
    would wait for ever. The importer's lock wait is bounded: at its timeout it commits the
    batches stored, which lets the request go on, and stores its batch again."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite's single writer: an import and a batch never run side by side")
    workspace_id = make_workspace(session).id
    session.commit()
    emails = ["z@example.com", "w@example.com", "y@example.com"]
    path = write_csv(tmp_path / "events.csv", EMAIL_EVENTS_HEADER, email_events("e", emails))
    crossing = [
        (
            0,
            EventIn.model_validate(
                {
                    "event_id": "e0",
                    "customer": {"email": "y@example.com"},
                    "type": "page_view",
                    "timestamp": "2026-05-01T12:00:00+00:00",
                }
            ),
        )
    ]
    answers: list[BaseException | BatchOutcome] = []

    def send() -> None:
        try:
            with transaction(create_session_factory(engine)) as own:
                answers.append(
                    ingest_events(own, workspace_id=workspace_id, events=rows_of(crossing))
                )
        except BaseException as error:  # reported below
            answers.append(error)

    request = threading.Thread(target=send)

    def on_batch(_rows: int) -> None:
        if request.ident is None:  # e0 is COPYed, not committed; e1 in flight
            request.start()
            deadline = time.monotonic() + 10
            while _waiting_on_locks(engine) == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert request.is_alive()  # holds y's identity, waits for e0

    reports: list[BaseException | ImportReport] = []

    def import_() -> None:
        try:
            reports.append(import_email_events(engine, workspace_id, path, on_batch=on_batch))
        except BaseException as error:  # reported below
            reports.append(error)

    importer = threading.Thread(target=import_)
    importer.start()
    importer.join(timeout=30)
    hung = importer.is_alive()
    if hung:  # free both threads so the suite goes on, then fail
        with engine.connect() as killer:
            killer.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        importer.join(timeout=30)
    request.join(timeout=30)
    assert not hung, "the import and the batch waited for each other"
    [report] = reports
    assert isinstance(report, ImportReport), report
    [answer] = answers
    assert isinstance(answer, BatchOutcome), answer
    assert (report.accepted, report.duplicates) == (3, 0)
    assert (answer.accepted, answer.duplicates) == (0, 1)
    assert count(session, Event) == 3 and count(session, Customer) == 3
    assert orphans(session) == NONE
