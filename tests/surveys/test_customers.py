"""Which customer a survey response, a batch item or an invitation names: the one resolver of
`nabd.customers.identity`, as events and imports use it, over the API."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.customers.models import Customer, CustomerIdentity
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.customers.factories import make_customer
from tests.factories import make_token, make_workspace
from tests.surveys.factories import make_survey, question_ids


def _set_up(session: Session) -> tuple[Workspace, dict[str, str], str, int]:
    """A workspace, an analyst's headers, the survey's responses path and its NPS question."""
    workspace = make_workspace(session)
    _, token = make_token(session, workspace, Role.ANALYST)
    survey = make_survey(session, workspace)
    path = f"/api/v1/surveys/{survey.id}/responses"
    return workspace, {"Authorization": f"Bearer {token}"}, path, question_ids(survey)["nps"]


def _holders(session: Session, workspace: Workspace) -> dict[tuple[str, str], int]:
    session.expire_all()
    rows = session.execute(
        select(CustomerIdentity.kind, CustomerIdentity.value, CustomerIdentity.customer_id).where(
            CustomerIdentity.workspace_id == workspace.id
        )
    )
    return {(kind, value): customer_id for kind, value, customer_id in rows}


def _answer(nps: int, customer: dict[str, str], **more: Any) -> dict[str, Any]:
    return {"customer": customer, "answers": [{"question_id": nps, "value": 9}], **more}


def test_a_response_teaches_its_customer_a_new_email(client: TestClient, session: Session) -> None:
    workspace, headers, path, nps = _set_up(session)
    known = make_customer(session, workspace, "Sara", external_id="crm-7")
    stored = client.post(
        path,
        json=_answer(nps, {"external_id": "crm-7", "email": "Sara@Example.com"}),
        headers=headers,
    )
    assert stored.status_code == 201, stored.text
    assert stored.json()["customer_id"] == known.id
    assert _holders(session, workspace) == {
        ("external_id", "crm-7"): known.id,
        ("email", "sara@example.com"): known.id,
    }
    # Found by the e-mail alone afterwards, and by the customer search.
    alone = client.post(path, json=_answer(nps, {"email": "sara@example.com"}), headers=headers)
    assert alone.json()["customer_id"] == known.id
    found = client.get("/api/v1/customers", params={"q": "sara@example"}, headers=headers)
    assert [item["id"] for item in found.json()["items"]] == [known.id]


def test_a_response_naming_two_known_customers_takes_the_external_ids(
    client: TestClient, session: Session
) -> None:
    workspace, headers, path, nps = _set_up(session)
    by_id = make_customer(session, workspace, "A", external_id="crm-1")
    by_email = make_customer(session, workspace, "B", email="b@example.com")
    stored = client.post(
        path, json=_answer(nps, {"email": "b@example.com", "external_id": "crm-1"}), headers=headers
    )
    assert stored.json()["customer_id"] == by_id.id
    # Never merged implicitly: each identity stays with its customer.
    assert _holders(session, workspace) == {
        ("external_id", "crm-1"): by_id.id,
        ("email", "b@example.com"): by_email.id,
    }


def test_a_customer_first_seen_in_a_response_speaks_its_language(
    client: TestClient, session: Session
) -> None:
    workspace, headers, path, nps = _set_up(session)
    single = client.post(
        path, json=_answer(nps, {"external_id": "new-1"}, language="en"), headers=headers
    )
    batch = client.post(
        f"{path}/batch",
        json={
            "responses": [
                _answer(nps, {"external_id": "new-2"}, language="en"),
                _answer(nps, {"external_id": "new-2", "email": "n2@example.com"}, language="ar"),
            ]
        },
        headers=headers,
    )
    assert single.status_code == 201 and batch.status_code == 200, batch.text
    assert batch.json()["accepted"] == 2
    session.expire_all()
    new = {
        customer.id: customer
        for customer in session.scalars(
            select(Customer).where(Customer.workspace_id == workspace.id)
        )
    }
    holders = _holders(session, workspace)
    assert new[single.json()["customer_id"]].language == "en"
    second = new[holders[("external_id", "new-2")]]
    assert second.language == "en" and holders[("email", "n2@example.com")] == second.id
    # An answer is not activity: the customer has not been "seen" by it.
    assert second.first_seen_at is None and second.last_seen_at is None
    # A known customer keeps their profile's language whatever they answer in.
    known = make_customer(session, workspace, "Sara", external_id="sara")  # "ar"
    client.post(path, json=_answer(nps, {"external_id": "sara"}, language="en"), headers=headers)
    session.expire_all()
    assert session.get_one(Customer, known.id).language == "ar"


def test_an_invitation_teaches_and_creates_as_a_response_does(
    client: TestClient, session: Session
) -> None:
    workspace, _analyst, path, _nps = _set_up(session)
    survey_id = int(path.split("/")[-2])
    known = make_customer(session, workspace, "Sara", external_id="crm-7")
    _, admin = make_token(session, workspace, Role.ADMIN)
    invited = client.post(
        f"/api/v1/surveys/{survey_id}/invitations",
        json={
            "channel": "link",
            "customers": [
                {"external_id": "crm-7", "email": "sara@example.com"},
                {"email": "new@example.com"},
            ],
            "language": "en",
        },
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert invited.status_code == 201, invited.text
    holders = _holders(session, workspace)
    assert holders[("email", "sara@example.com")] == known.id
    created = session.get_one(Customer, holders[("email", "new@example.com")])
    assert created.id != known.id and created.language == "en"
