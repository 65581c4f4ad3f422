"""Drilling down from the overview with a journey or stage chosen lists exactly that journey's
comments, in the explorer page and the feedback API alike."""

import html
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.types import utcnow
from nabd.feedback.models import FeedbackItem
from nabd.feedback.service import record_feedback
from nabd.journeys.models import Journey
from nabd.surveys import service as surveys
from nabd.surveys.models import Survey
from nabd.surveys.schemas import SurveyIn
from nabd.workspaces.models import Workspace
from tests.events.factories import bearer
from tests.factories import make_member, make_workspace, sign_in
from tests.journeys.factories import make_journey, make_touchpoints
from tests.metrics.factories import CX_SURVEY, answer, make_cx_survey

# Touchpoints: `store` and `web_checkout` are the journey's two stages; `call` is in none.
COMMENTS = {
    "web_checkout": ["Checkout was easy", "الدفع كان سريعا"],
    "store": ["The store was clean", "الموظف في الفرع لطيف", "Long queue at the till"],
    "call": ["Nobody answered the phone"],
}


def _survey_at(session: Session, workspace: Workspace, touchpoint: str) -> Survey:
    survey = surveys.create_survey(
        session,
        workspace_id=workspace.id,
        data=SurveyIn.model_validate({**CX_SURVEY, "touchpoint_key": touchpoint}),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return survey


def _seed(session: Session, workspace: Workspace) -> Journey:
    """Survey comments at three touchpoints, a review at the store, and the journey."""
    by_touchpoint = {"web_checkout": make_cx_survey(session, workspace)}
    stores = make_touchpoints(session, workspace, ["store", "call"])
    for key in ("store", "call"):
        by_touchpoint[key] = _survey_at(session, workspace, key)
    now = utcnow().replace(microsecond=0)
    for key, comments in COMMENTS.items():
        for index, comment in enumerate(comments):
            answer(
                session,
                by_touchpoint[key],
                at=now - timedelta(days=index + 1),
                scores={"nps": 3 + 3 * index, "csat": 4},
                comment=comment,
            )
    record_feedback(
        session,
        workspace_id=workspace.id,
        source="review",
        text="Nice store",
        created_at=now - timedelta(days=2),
        touchpoint_id=stores[0].id,
    )
    session.commit()
    return make_journey(session, workspace, [("Store", ["store"]), ("Checkout", ["web_checkout"])])


def _items_at(session: Session, workspace: Workspace, *keys: str, survey_only: bool) -> set[int]:
    """The feedback items given at these touchpoints, read straight from the database."""
    texts = [text for key in keys for text in COMMENTS[key]] + (
        [] if survey_only or "store" not in keys else ["Nice store"]
    )
    found = session.scalars(
        select(FeedbackItem.id).where(
            FeedbackItem.workspace_id == workspace.id, FeedbackItem.text.in_(texts)
        )
    )
    return set(found)


def _shown(page: str) -> set[int]:
    return {int(item) for item in re.findall(r'data-item="(\d+)"', page)}


def _drilldown(client: TestClient, overview_url: str) -> str:
    page = client.get(overview_url)
    assert page.status_code == 200, page.text
    link = page.text.split('data-testid="nps-drilldown"')[0].rsplit('href="', 1)[1].split('"')[0]
    return html.unescape(link)


def test_the_tiles_drill_down_to_the_journeys_and_the_stages_comments(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    journey = _seed(session, workspace)
    store_stage, checkout_stage = (stage.id for stage in journey.stages)
    sign_in(client, make_member(session, workspace))

    link = _drilldown(client, f"/?journey={journey.id}&lang=en")
    assert f"journey_id={journey.id}" in link
    journey_items = _items_at(session, workspace, "store", "web_checkout", survey_only=True)
    assert _shown(client.get(link).text) == journey_items
    assert len(journey_items) == 5

    link = _drilldown(client, f"/?journey={journey.id}&stage={store_stage}&lang=en")
    assert _shown(client.get(link).text) == _items_at(session, workspace, "store", survey_only=True)
    link = _drilldown(client, f"/?stage={checkout_stage}&lang=en")
    assert _shown(client.get(link).text) == _items_at(
        session, workspace, "web_checkout", survey_only=True
    )
    # Without a journey, every survey comment (the call's too) is behind the tile.
    everything = _items_at(session, workspace, *COMMENTS, survey_only=True)
    assert _shown(client.get(_drilldown(client, "/?lang=en")).text) == everything

    # A breakdown row keeps the journey as well, and the explorer's form shows it chosen.
    page = client.get(f"/?journey={journey.id}&lang=en").text
    rows = page.split('data-testid="nps-touchpoint-table"')[1].split("</table>")[0]
    assert f"journey_id={journey.id}" in rows
    explorer = client.get(link).text
    assert f'<option value="{checkout_stage}" dir="auto" selected>' in explorer


def test_the_feedback_api_filters_by_journey_and_stage(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    journey = _seed(session, workspace)
    other = make_journey(session, workspace, [("Call", ["call"])], name_en="Calls")
    headers = bearer(session, workspace)

    def listed(**params: object) -> set[int]:
        response = client.get("/api/v1/feedback", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    # Every source: the review at the store is in the journey too.
    assert listed(journey_id=journey.id) == _items_at(
        session, workspace, "store", "web_checkout", survey_only=False
    )
    store_stage = journey.stages[0].id
    assert listed(stage_id=store_stage, source="survey") == _items_at(
        session, workspace, "store", survey_only=True
    )
    assert listed(journey_id=other.id) == _items_at(session, workspace, "call", survey_only=True)

    for params, field in (
        ({"journey_id": 999_999}, "journey_id"),
        ({"stage_id": 999_999}, "stage_id"),
        ({"journey_id": other.id, "stage_id": store_stage}, "stage_id"),
        ({"journey_id": "abc"}, "journey_id"),
    ):
        refused = client.get("/api/v1/feedback", params=params, headers=headers)
        assert refused.status_code == 422, params
        assert refused.json()["error"]["details"][0]["field"].endswith(field)


def test_the_explorer_page_names_an_unknown_journey_or_stage(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    journey = _seed(session, workspace)
    sign_in(client, make_member(session, workspace))
    for query, message in (
        ("journey_id=999999", "Unknown journey."),
        ("stage_id=999999", "Unknown stage of this journey."),
        (f"journey_id={journey.id}&stage_id=999999", "Unknown stage of this journey."),
        ("journey_id=x", "Must be a whole number."),
    ):
        page = client.get(f"/feedback?{query}&lang=en")
        assert page.status_code == 422, query
        assert message in page.text, query
