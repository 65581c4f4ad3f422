"""`nabd import …`: dry runs write nothing, re-imports add nothing twice, presets and XLSX."""

import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.customers.models import Customer, CustomerIdentity
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.imports import runner
from tests.customers.factories import make_places
from tests.factories import make_workspace
from tests.imports.helpers import (
    EMAIL_EVENTS_HEADER,
    count,
    email_events,
    import_email_events,
    nabd,
    write_csv,
)

EVENT_HEADER = ["event_id", "customer.email", "type", "touchpoint", "timestamp", "properties.sku"]
GOOD_EVENTS = [
    ["e1", "a@example.com", "page_view", "checkout", "2026-05-01T10:00:00+03:00", "X1"],
    ["e2", "b@example.com", "add_to_cart", "", "2026-05-01 11:00:00", "X2"],
]


def test_a_dry_run_reports_row_errors_and_writes_nothing(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    make_places(session, workspace)
    rows = [
        *GOOD_EVENTS,
        ["e3", "not-an-email", "page_view", "", "2026-05-01T10:00:00Z", ""],
        ["e4", "c@example.com", "page_view", "nowhere", "2026-05-01T10:00:00Z", ""],
        ["e5", "d@example.com", "page_view", "", "yesterday", ""],
    ]
    path = write_csv(tmp_path / "events.csv", EVENT_HEADER, rows)
    code, output = nabd(
        database_url, tmp_path, "events", str(path), "--workspace", "acme", "--dry-run"
    )
    assert code == 1
    assert "row 4, column customer.email: Not a valid e-mail address." in output
    assert "row 5, column touchpoint: Unknown touchpoint key nowhere" in output
    assert "row 6, column timestamp: Must be an ISO 8601 date and time." in output
    assert "Dry run: 5 rows read, 3 with errors; nothing written." in output
    assert count(session, Event) == 0
    assert count(session, Customer) == 0


def test_a_second_import_of_the_same_file_adds_nothing(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    make_places(session, workspace)
    path = write_csv(tmp_path / "events.csv", EVENT_HEADER, GOOD_EVENTS)
    code, output = nabd(database_url, tmp_path, "events", str(path), "--workspace", "acme")
    assert code == 0, output
    assert "2 rows read: 2 added, 0 already known, 0 errors." in output
    code, output = nabd(database_url, tmp_path, "events", str(path), "--workspace", "acme")
    assert "2 rows read: 0 added, 2 already known, 0 errors." in output
    assert count(session, Event) == 2 and count(session, Customer) == 2
    naive = session.scalar(select(Event).where(Event.client_event_id == "e2"))
    # Naive spreadsheet times are read in the workspace's zone (Asia/Riyadh, UTC+3).
    assert naive.occurred_at.isoformat() == "2026-05-01T08:00:00+00:00"
    assert naive.properties == {"sku": "X2"}
    audits = session.scalar(
        select(func.count(AuditLogEntry.id)).where(AuditLogEntry.action == "import.events")
    )
    assert audits == 2


def test_rows_of_odd_length_and_blank_lines_keep_their_row_numbers(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    """Events are read a column at a time; rows that path cannot read (longer or shorter
    than the header) still get their own row number, column and reason."""
    workspace = make_workspace(session)
    make_places(session, workspace)
    path = tmp_path / "events.csv"
    path.write_text(
        ",".join(EVENT_HEADER)
        + "\n"
        + ",".join(GOOD_EVENTS[0])
        + "\n\n"
        + "e6,e@example.com\n"
        + ",".join(GOOD_EVENTS[1])
        + ",extra\n"
        + "e7, F@Example.com ,page_view,,2026-05-01T12:00:00+03:00,\n",
        encoding="utf-8",
    )
    code, output = nabd(
        database_url, tmp_path, "events", str(path), "--workspace", "acme", "--batch-size", "2"
    )
    assert code == 1
    assert "row 4, column type: This field is required." in output
    assert "row 4, column timestamp: This field is required." in output
    assert "4 rows read: 3 added, 0 already known, 2 errors." in output
    session.expire_all()
    stored = {event.client_event_id: event for event in session.scalars(select(Event))}
    assert set(stored) == {"e1", "e2", "e7"}
    assert stored["e2"].properties == {"sku": "X2"}
    emails = set(
        session.scalars(select(CustomerIdentity.value).where(CustomerIdentity.kind == "email"))
    )
    assert emails == {"a@example.com", "b@example.com", "f@example.com"}


def test_a_file_overlapping_an_earlier_import_adds_only_its_new_events(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    """A repeat met mid-import (on PostgreSQL, after batches stored without looking their ids
    up) is a duplicate, makes no customer of its own, and leaves later batches sound: the
    customer a rolled-back batch had made for it is not remembered."""
    make_places(session, make_workspace(session))
    first = write_csv(tmp_path / "first.csv", EVENT_HEADER, GOOD_EVENTS)
    code, output = nabd(database_url, tmp_path, "events", str(first), "--workspace", "acme")
    assert code == 0, output
    rows = [
        ["e3", "c@example.com", "page_view", "", "2026-05-02T10:00:00+00:00", ""],
        ["e1", "new@example.com", "page_view", "", "2026-05-02T11:00:00+00:00", ""],
        ["e4", "new@example.com", "page_view", "", "2026-05-02T12:00:00+00:00", ""],
    ]
    second = write_csv(tmp_path / "second.csv", EVENT_HEADER, rows)
    code, output = nabd(
        database_url, tmp_path, "events", str(second), "--workspace", "acme", "--batch-size", "1"
    )
    assert code == 0, output
    assert "3 rows read: 2 added, 1 already known, 0 errors." in output
    session.expire_all()
    identities = select(CustomerIdentity.value, CustomerIdentity.customer_id)
    owners = {value: owner for value, owner in session.execute(identities)}
    stored = select(Event.client_event_id, Event.customer_id)
    events = {event_id: owner for event_id, owner in session.execute(stored)}
    assert events["e1"] == owners["a@example.com"]
    assert events["e4"] == owners["new@example.com"]
    assert session.get(Customer, events["e4"]) is not None
    assert count(session, Customer) == 4 and count(session, Event) == 4


def test_first_and_last_seen_cover_every_batch_of_the_file(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    """The import writes the customers' seen dates once per transaction, not per batch."""
    make_workspace(session)
    rows = [
        ["s1", "same@example.com", "page_view", "", "2026-05-02T10:00:00+00:00", ""],
        ["s2", "same@example.com", "page_view", "", "2026-05-03T10:00:00+00:00", ""],
        ["s3", "same@example.com", "page_view", "", "2026-05-01T10:00:00+00:00", ""],
    ]
    path = write_csv(tmp_path / "events.csv", EVENT_HEADER, rows)
    code, output = nabd(
        database_url, tmp_path, "events", str(path), "--workspace", "acme", "--batch-size", "1"
    )
    assert code == 0, output
    session.expire_all()
    customer = session.scalars(select(Customer)).one()
    assert customer.first_seen_at.isoformat() == "2026-05-01T10:00:00+00:00"
    assert customer.last_seen_at.isoformat() == "2026-05-03T10:00:00+00:00"


def test_identities_learnt_in_one_batch_serve_the_next(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    """Batches of one transaction remember the identities they resolved; a later row that
    adds an identity to a remembered customer still attaches it to that customer."""
    make_workspace(session)
    header = ["event_id", "customer.email", "customer.external_id", "type", "timestamp"]
    rows = [
        ["h1", "held@example.com", "", "page_view", "2026-05-01T10:00:00+00:00"],
        ["h2", "held@example.com", "crm-7", "page_view", "2026-05-01T11:00:00+00:00"],
        ["h3", "", "crm-7", "page_view", "2026-05-01T12:00:00+00:00"],
        ["h4", "other@example.com", "", "page_view", "2026-05-01T13:00:00+00:00"],
    ]
    path = write_csv(tmp_path / "events.csv", header, rows)
    code, output = nabd(
        database_url, tmp_path, "events", str(path), "--workspace", "acme", "--batch-size", "1"
    )
    assert code == 0, output
    session.expire_all()
    owners = {
        value: owner
        for value, owner in session.execute(
            select(CustomerIdentity.value, CustomerIdentity.customer_id)
        )
    }
    assert owners["held@example.com"] == owners["crm-7"] != owners["other@example.com"]
    events = {
        event_id: owner
        for event_id, owner in session.execute(select(Event.client_event_id, Event.customer_id))
    }
    assert events["h1"] == events["h2"] == events["h3"] == owners["crm-7"]
    assert count(session, Customer) == 2


def test_transactions_import_in_small_batches_is_idempotent(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    make_workspace(session)
    header = ["order_id", "customer.phone", "amount", "currency", "timestamp", "category"]
    rows = [
        [f"SO-{n}", "0501234567", "10.50", "SAR", "2026-05-01T10:00:00Z", "food"] for n in range(7)
    ]
    path = write_csv(tmp_path / "orders.csv", header, rows)
    for _ in range(2):
        code, output = nabd(
            database_url,
            tmp_path,
            "transactions",
            str(path),
            "--workspace",
            "acme",
            "--batch-size",
            "3",
        )
        assert code == 0, output
    assert count(session, Transaction) == 7
    customer = session.scalar(select(Customer))
    assert customer.order_count == 7


def test_hubspot_contacts_preset_from_xlsx(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    make_workspace(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["Record ID", "First Name", "Last Name", "Email", "Phone Number"])
    sheet.append([1001, "ريم", "القحطاني", "Reem@Example.com", "+966 55 123 4567"])
    sheet.append([1002, "Omar", "", "omar@example.com", ""])
    sheet.append([1003, "Bad", "Phone", "", "12"])
    path = tmp_path / "contacts.xlsx"
    book.save(path)
    code, output = nabd(
        database_url,
        tmp_path,
        "customers",
        str(path),
        "--workspace",
        "acme",
        "--preset",
        "hubspot-contacts",
    )
    assert "row 4, column Phone Number: Not a valid phone number" in output
    assert "3 rows read: 2 added, 0 already known, 1 errors." in output
    assert code == 1, "a file with bad rows must fail the command"
    code, output = nabd(
        database_url,
        tmp_path,
        "customers",
        str(path),
        "--workspace",
        "acme",
        "--preset",
        "hubspot-contacts",
    )
    assert "3 rows read: 0 added, 2 already known, 1 errors." in output
    assert code == 1
    names = sorted(session.scalars(select(Customer.display_name)))
    assert names == ["Omar", "ريم القحطاني"]
    identities = set(session.execute(select(CustomerIdentity.kind, CustomerIdentity.value)))
    assert ("email", "reem@example.com") in identities
    assert ("phone", "+966551234567") in identities
    assert ("external_id", "1001") in identities


def test_feedback_with_a_mapping_file(session: Session, database_url: str, tmp_path: Path) -> None:
    make_workspace(session)
    mapping = {
        "external_id": "Review ID",
        "source": {"value": "review"},
        "text": "Comment",
        "rating": "Stars",
        "created_at": "Date",
        "customer.email": "Email",
    }
    mapping_path = tmp_path / "mapping.json"
    mapping_path.write_text(json.dumps(mapping), encoding="utf-8")
    path = write_csv(
        tmp_path / "reviews.csv",
        ["Review ID", "Comment", "Stars", "Date", "Email"],
        [["r1", "المنتج وصل مكسور", "1", "2026-04-02", "x@example.com"]],
    )
    args = ["feedback", str(path), "--workspace", "acme", "--mapping", str(mapping_path)]
    assert nabd(database_url, tmp_path, *args)[0] == 0
    assert nabd(database_url, tmp_path, *args)[0] == 0
    assert count(session, FeedbackItem) == 1
    item = session.scalar(select(FeedbackItem))
    assert item.text == "المنتج وصل مكسور" and item.rating == 1


def test_a_preset_for_another_kind_is_refused(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    make_workspace(session)
    path = write_csv(tmp_path / "x.csv", ["Id"], [["1"]])
    code, output = nabd(
        database_url,
        tmp_path,
        "events",
        str(path),
        "--workspace",
        "acme",
        "--preset",
        "zendesk-tickets",
    )
    assert code == 1
    assert "imports feedback, not events" in output


def test_a_sqlite_imports_statement_journals_stay_in_memory(
    engine: Engine, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: each of the import's transactions keeps its statements' journals in memory, as
    a group commit's (`nabd.core.db.temp_store_in_memory`), and its connection goes back to
    the pool with the temporary storage it had."""
    if engine.dialect.name != "sqlite":
        pytest.skip("temp_store is SQLite's setting")
    workspace_id = make_workspace(session).id
    session.commit()
    emails = ["a@x.io", "b@x.io"]
    path = write_csv(tmp_path / "events.csv", EMAIL_EVENTS_HEADER, email_events("e", emails))
    monkeypatch.setattr(runner, "ROWS_PER_TRANSACTION", 1)  # a transaction a row
    seen: list[tuple[Any, int]] = []
    validate, ingest = runner.KINDS["events"]

    def ingest_noting_temp_store(batch_session: Session, **kwargs: Any) -> Any:
        connection = batch_session.connection()
        setting = connection.exec_driver_sql("PRAGMA temp_store").scalar_one()
        seen.append((connection.connection.driver_connection, int(setting)))
        return ingest(batch_session, **kwargs)

    monkeypatch.setitem(runner.KINDS, "events", (validate, ingest_noting_temp_store))
    assert import_email_events(engine, workspace_id, path).accepted == 2
    assert [setting for _, setting in seen] == [2, 2]  # MEMORY
    for driver in {id(driver): driver for driver, _ in seen}.values():
        assert driver.execute("PRAGMA temp_store").fetchone() == (0,)  # the default again
