"""The workspace's phone region: national numbers are read as numbers of its country."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.customers.models import CustomerIdentity
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.events.factories import bearer, event, transaction
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.imports.helpers import nabd, write_csv
from tests.surveys.factories import make_survey, question_ids


def with_region(session: Session, slug: str, region: str) -> Workspace:
    workspace = make_workspace(session, slug)
    workspace.phone_region = region
    session.commit()
    return workspace


def phones(session: Session, workspace: Workspace) -> list[str]:
    session.expire_all()
    return sorted(
        session.scalars(
            select(CustomerIdentity.value).where(
                CustomerIdentity.workspace_id == workspace.id, CustomerIdentity.kind == "phone"
            )
        )
    )


def test_national_numbers_follow_the_workspace_region(client: TestClient, session: Session) -> None:
    saudi = make_workspace(session, "saudi")
    egypt = with_region(session, "egypt", "EG")
    assert saudi.phone_region == "SA"

    body = {"events": [event("e1", customer={"phone": "0501234567"})]}
    answer = client.post("/api/v1/events", json=body, headers=bearer(session, saudi))
    assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert phones(session, saudi) == ["+966501234567"]

    body = {"events": [event("e1", customer={"phone": "01012345678"})]}
    answer = client.post("/api/v1/events", json=body, headers=bearer(session, egypt))
    assert answer.json() == {"accepted": 1, "duplicates": 0, "rejected": []}
    assert phones(session, egypt) == ["+201012345678"]

    # International numbers are read as written in any workspace.
    body = {"events": [event("e3", customer={"phone": "+966501234567"})]}
    assert (
        client.post("/api/v1/events", json=body, headers=bearer(session, egypt)).json()["accepted"]
        == 1
    )


def test_transactions_feedback_and_identify_use_the_region(
    client: TestClient, session: Session
) -> None:
    egypt = with_region(session, "egypt", "EG")
    headers = bearer(session, egypt)
    sale = transaction("o1", customer={"phone": "01012345678"})
    assert (
        client.post("/api/v1/transactions", json={"transactions": [sale]}, headers=headers).json()[
            "accepted"
        ]
        == 1
    )
    review = {
        "external_id": "r1",
        "source": "review",
        "text": "خدمة ممتازة",
        "customer": {"phone": "01112345678"},
        "created_at": "2026-05-01T08:00:00+00:00",
    }
    assert (
        client.post("/api/v1/feedback", json={"items": [review]}, headers=headers).json()[
            "accepted"
        ]
        == 1
    )
    linked = client.post(
        "/api/v1/identify",
        json={"anonymous_id": "visitor-1", "customer": {"phone": "01212345678"}},
        headers=headers,
    )
    assert linked.status_code == 200, linked.text
    assert phones(session, egypt) == ["+201012345678", "+201112345678", "+201212345678"]


def test_an_import_reads_numbers_in_the_workspace_region(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    egypt = with_region(session, "egypt", "EG")
    path = write_csv(
        tmp_path / "events.csv",
        ["event_id", "customer.phone", "type", "timestamp"],
        [["i1", "01012345678", "store_visit", "2026-05-01T10:00:00"]],
    )
    code, output = nabd(database_url, tmp_path, "events", str(path), "--workspace", "egypt")
    assert code == 0, output
    assert phones(session, egypt) == ["+201012345678"]


def test_an_admin_sets_the_region_and_it_is_audited(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session, language="ar")
    sign_in(client, make_member(session, workspace))
    page = client.get("/settings/workspace").text
    assert "بلد أرقام الهواتف" in page
    assert '<option value="SA" selected>' in page and "مصر (EG)" in page
    form = {
        "name": workspace.name,
        "default_language": "en",
        "time_zone": "Africa/Cairo",
        "phone_region": "EG",
        "csrf_token": page_csrf(client),
    }
    assert client.post("/settings/workspace", data=form).status_code == 200
    session.expire_all()
    assert session.get(Workspace, workspace.id).phone_region == "EG"
    entry = session.scalars(
        select(AuditLogEntry)
        .where(AuditLogEntry.action == "workspace.update")
        .order_by(AuditLogEntry.id.desc())
    ).first()
    assert entry is not None and entry.details["changed"]["phone_region"] == "EG"

    refused = client.post("/settings/workspace", data={**form, "phone_region": "XX"})
    assert refused.status_code == 422
    assert 'data-field-error="phone_region"' in refused.text
    assert "منطقة هاتف غير معروفة" in refused.text
    session.expire_all()
    assert session.get(Workspace, workspace.id).phone_region == "EG"


def test_the_api_changes_the_region_and_refuses_unknown_ones(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace, role=Role.ADMIN)
    refused = client.patch("/api/v1/workspace", json={"phone_region": "ZZ"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["field"] == "phone_region"
    changed = client.patch("/api/v1/workspace", json={"phone_region": "ae"}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["phone_region"] == "AE"


def test_survey_responses_read_numbers_in_the_workspace_region(
    client: TestClient, session: Session
) -> None:
    egypt = with_region(session, "egypt", "EG")
    survey = make_survey(session, egypt)
    url = f"/api/v1/surveys/{survey.id}/responses"
    answer = {
        "answers": [{"question_id": question_ids(survey)["nps"], "value": 9}],
        "customer": {"phone": "01012345678"},
    }
    stored = client.post(url, json=answer, headers=bearer(session, egypt, role=Role.ADMIN))
    assert stored.status_code == 201, stored.text
    assert phones(session, egypt) == ["+201012345678"]
