"""The import page: a dry-run report (row, column, reason) before anything is written, then
the import of the same stored file; admins and analysts only; CSRF; the size limit."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.customers.models import Customer
from nabd.events.models import Event
from nabd.imports import uploads
from nabd.workspaces.roles import Role
from tests.customers.factories import make_places
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.imports.helpers import hidden_inputs

EVENTS_CSV = (
    b"event_id,customer.email,type,touchpoint,timestamp\n"
    b"e1,a@example.com,page_view,checkout,2026-05-01T10:00:00+03:00\n"
    b"e2,not-an-email,page_view,,2026-05-01T10:00:00Z\n"
    b"e3,b@example.com,add_to_cart,nowhere,2026-05-01T10:00:00Z\n"
    b"e4,c@example.com,add_to_cart,,2026-05-01 11:00:00\n"
)
HUBSPOT_CSV = (
    "Record ID,First Name,Last Name,Email,Phone Number\n"
    "501,سارة,الحربي,sara@example.com,0551234567\n"
).encode()


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _check(client: TestClient, body: bytes, name: str = "events.csv", **form: str):  # type: ignore[no-untyped-def]
    csrf = page_csrf(client, "/imports")
    return client.post(
        "/imports/check",
        data={"csrf_token": csrf, **form},
        files={"file": (name, body, "text/csv")},
    )


def test_dry_run_report_then_import(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    make_places(session, workspace)
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    assert 'data-testid="upload-form"' in client.get("/imports").text

    report = _check(client, EVENTS_CSV, kind="events")
    assert report.status_code == 200
    errors = re.findall(
        r"<tr><td class=\"numeric\">(\d+)</td><td dir=\"auto\">([^<]+)</td><td>([^<]+)</td>",
        report.text,
    )
    assert [(row, column) for row, column, _reason in errors] == [
        ("3", "customer.email"),
        ("4", "touchpoint"),
    ]
    assert "Not a valid e-mail address." in errors[0][2]
    assert "Nothing has been written yet." in report.text
    assert _count(session, Event) == 0 and _count(session, Customer) == 0

    done = client.post("/imports/run", data=hidden_inputs(report.text))
    assert done.status_code == 200
    assert "4 rows read: 2 added, 0 already known, 2 refused." in done.text
    assert _count(session, Event) == 2
    audit = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "import.events")
    ).one()
    assert audit.details == {"rows": 4, "accepted": 2, "duplicates": 0, "errors": 2}
    # The stored copy is gone: the same confirmation cannot import twice.
    assert client.post("/imports/run", data=hidden_inputs(report.text)).status_code == 404

    again = _check(client, EVENTS_CSV, kind="events")
    done = client.post("/imports/run", data=hidden_inputs(again.text))
    assert "0 added, 2 already known" in done.text
    assert _count(session, Event) == 2


def test_a_preset_maps_crm_columns(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session, language="ar")
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    report = _check(client, HUBSPOT_CSV, name="contacts.csv", preset="hubspot-contacts")
    assert report.status_code == 200
    assert 'data-testid="row-errors"' not in report.text
    client.post("/imports/run", data=hidden_inputs(report.text))
    session.expire_all()
    customer = session.scalars(select(Customer)).one()
    assert customer.display_name == "سارة الحربي"
    assert {(i.kind, i.value) for i in customer.identities} == {
        ("external_id", "501"),
        ("email", "sara@example.com"),
        ("phone", "+966551234567"),
    }


def test_bad_uploads_are_refused_with_a_reason(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    wrong_preset = _check(client, EVENTS_CSV, kind="events", preset="zendesk-tickets")
    assert wrong_preset.status_code == 422
    assert "The preset zendesk-tickets imports feedback, not events." in wrong_preset.text
    not_json = _check(client, EVENTS_CSV, kind="events", mapping="{oops")
    assert "The column mapping is not valid JSON." in not_json.text
    assert "Upload a .csv or .xlsx file." in _check(client, b"x", name="notes.txt").text
    too_big = b"event_id\n" + b"x" * (uploads.MAX_UPLOAD_BYTES + 1)
    refused = _check(client, too_big, kind="events")
    assert refused.status_code == 422 and "larger than 20 MB" in refused.text
    assert list((client.app.state.settings.data_dir / "uploads").iterdir()) == []  # type: ignore[attr-defined]


def test_only_admins_and_analysts_import(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    for role in (Role.VIEWER, Role.AGENT):
        sign_in(client, make_member(session, workspace, role, email=f"{role}@example.com"))
        assert client.get("/imports").status_code == 403
        assert 'data-testid="import-data"' not in client.get("/customers").text
    sign_in(client, make_member(session, workspace, Role.ADMIN, email="admin@example.com"))
    assert 'data-testid="import-data"' in client.get("/customers").text
    forged = client.post(
        "/imports/check", data={"kind": "events"}, files={"file": ("e.csv", EVENTS_CSV)}
    )
    assert forged.status_code == 403


def test_an_upload_belongs_to_its_workspace(client: TestClient, session: Session) -> None:
    acme, beta = make_workspace(session), make_workspace(session, "beta")
    make_places(session, acme)
    sign_in(client, make_member(session, acme, Role.ADMIN, email="a@acme.example"))
    checked = hidden_inputs(_check(client, EVENTS_CSV, kind="events").text)
    sign_in(client, make_member(session, beta, Role.ADMIN, email="b@beta.example"))
    stolen = client.post("/imports/run", data={**checked, "csrf_token": page_csrf(client)})
    assert stolen.status_code == 404
    assert _count(session, Event) == 0
