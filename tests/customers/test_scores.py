"""The profile shows the latest NPS/CSAT/CES and their history, and survey responses join the
timeline, in the page and the API alike."""

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.customers.scores import customer_scores, nps_bucket
from nabd.customers.timeline import EntryKind, TimelineFilters, customer_timeline
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn
from nabd.workspaces.roles import Role
from tests.customers.factories import make_customer
from tests.events.factories import bearer
from tests.factories import make_member, make_workspace, sign_in
from tests.surveys.factories import make_survey, question_ids

EMAIL = "fahad@example.com"


def _answered(session: Session):  # type: ignore[no-untyped-def]
    """A customer who answered twice: NPS 4 then NPS 10 with CSAT 5; a bystander answered 0."""
    workspace = make_workspace(session)
    customer = make_customer(session, workspace, "فهد", email=EMAIL)
    make_customer(session, workspace, "Other", email="other@example.com")
    survey = make_survey(session, workspace)
    ids = question_ids(survey)
    for month, email, answers in (
        (1, EMAIL, [{"question_id": ids["nps"], "value": 4}]),
        (
            2,
            EMAIL,
            [{"question_id": ids["nps"], "value": 10}, {"question_id": ids["csat"], "value": 5}],
        ),
        (3, "other@example.com", [{"question_id": ids["nps"], "value": 0}]),
    ):
        record_response(
            session,
            survey=survey,
            data=ResponseIn.model_validate(
                {
                    "customer": {"email": email},
                    "answers": answers,
                    "submitted_at": datetime(2026, month, 5, tzinfo=UTC),
                }
            ),
            default_language="ar",
        )
    session.commit()
    return workspace, customer


def test_buckets() -> None:
    assert [nps_bucket(score) for score in (0, 6, 7, 8, 9, 10)] == [
        "detractor",
        "detractor",
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]


def test_latest_scores_and_history(session: Session) -> None:
    workspace, customer = _answered(session)
    scores = customer_scores(session, workspace_id=workspace.id, customer_id=customer.id)
    assert {metric: s.value for metric, s in scores.latest.items()} == {"nps": 10, "csat": 5}
    assert scores.latest["nps"].bucket == "promoter"
    assert sorted((s.at.month, s.metric, s.value) for s in scores.history) == [
        (1, "nps", 4),
        (2, "csat", 5),
        (2, "nps", 10),
    ]
    page = customer_timeline(
        session,
        workspace_id=workspace.id,
        customer_id=customer.id,
        filters=TimelineFilters(kinds=frozenset({EntryKind.RESPONSE})),
    )
    assert [(e.at.month, e.scores) for e in page.entries] == [
        (2, {"nps": 10, "csat": 5}),
        (1, {"nps": 4}),
    ]
    assert page.entries[0].survey_title_en == "Post-purchase survey"


def test_page_and_api_show_the_scores(client: TestClient, session: Session) -> None:
    workspace, customer = _answered(session)
    profile = client.get(
        f"/api/v1/customers/{customer.id}", headers=bearer(session, workspace, Role.VIEWER)
    ).json()
    assert profile["scores"]["latest"]["nps"]["value"] == 10
    assert profile["scores"]["latest"]["nps"]["nps_bucket"] == "promoter"
    assert len(profile["scores"]["history"]) == 3
    timeline = client.get(
        f"/api/v1/customers/{customer.id}/timeline",
        params={"kind": "response"},
        headers=bearer(session, workspace, Role.VIEWER),
    ).json()
    assert [item["scores"] for item in timeline["items"]] == [{"nps": 10, "csat": 5}, {"nps": 4}]

    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get(f"/customers/{customer.id}").text
    assert 'data-testid="latest-nps"><span class="numeric">10</span> · Promoter' in page
    assert page.count('data-kind="response"') == 2


def test_the_list_filters_by_the_latest_nps_bucket(client: TestClient, session: Session) -> None:
    workspace, customer = _answered(session)  # 4 then 10: a promoter now
    silent = make_customer(session, workspace, "Silent", email="silent@example.com")
    headers = bearer(session, workspace, Role.VIEWER)

    def names(bucket: str) -> list[str]:
        url = "/api/v1/customers"
        items = client.get(url, params={"nps_bucket": bucket}, headers=headers).json()["items"]
        return [item["display_name"] for item in items]

    assert names("promoter") == ["فهد"]
    assert names("detractor") == ["Other"]
    assert names("passive") == []
    everyone = client.get("/api/v1/customers", headers=headers).json()["items"]
    assert silent.id in {item["id"] for item in everyone}

    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get("/customers", params={"nps": "promoter"}).text
    assert f'data-customer="{customer.id}"' in page and "Other" not in page
