"""The feedback explorer, the feedback API and the sentiment index take a segment."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.text.annotations_service import annotate_items
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace, sign_in
from tests.feedback.factories import T0, add_feedback
from tests.segments.factories import RIYADH, Person, make_people, make_segment

GOOD = "الخدمة ممتازة والتوصيل سريع"
BAD = "التوصيل تأخر ثلاثة أيام وخدمة سيئة جدا"


def _texts(session: Session, workspace: Workspace, people: list[Person]) -> dict[int, int]:
    """One text per customer (good from Riyadh, bad elsewhere); {item id: customer id}."""
    items = {
        add_feedback(
            session,
            workspace,
            GOOD if person.city == "Riyadh" else BAD,
            external_id=f"text-{person.id}",
            customer_id=person.id,
            created_at=T0 + timedelta(days=index),
        ).id: person.id
        for index, person in enumerate(people)
    }
    annotate_items(session, workspace_id=workspace.id, item_ids=list(items))
    session.commit()
    return items


def test_explorer_page_and_api_show_only_the_segments_texts(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=12)
    items = _texts(session, workspace, people)
    segment = make_segment(session, workspace, RIYADH)
    riyadh = {p.id for p in people if p.city == "Riyadh"}
    wanted = {item for item, customer in items.items() if customer in riyadh}
    assert wanted and wanted != set(items)

    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get("/feedback", params={"segment_id": segment.id})
    assert 'data-testid="segment-filter"' in page.text
    assert {int(item) for item in re.findall(r'data-item="(\d+)"', page.text)} == wanted

    _, token = make_token(session, workspace, Role.VIEWER)
    response = client.get(
        "/api/v1/feedback",
        params={"segment_id": segment.id, "limit": 100},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert {item["id"] for item in response.json()["items"]} == wanted


def test_sentiment_of_a_segment_counts_its_members_texts(session: Session) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=12)
    _texts(session, workspace, people)
    segment = make_segment(session, workspace, RIYADH)
    query = MetricQuery(start=T0.date(), end=T0.date() + timedelta(days=30))
    everyone = compute_metric(session, workspace_id=workspace.id, metric="sentiment", query=query)
    sliced = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="sentiment",
        query=MetricQuery(start=query.start, end=query.end, segment_id=segment.id),
    )
    assert sliced.n == sum(p.city == "Riyadh" for p in people) < everyone.n
    assert sliced.value is not None and everyone.value is not None
    assert sliced.value > everyone.value


def test_the_feedback_api_refuses_a_segment_of_another_workspace(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    other = make_workspace(session, "other")
    theirs = make_segment(session, other, RIYADH)
    _, token = make_token(session, workspace, Role.VIEWER)
    response = client.get(
        "/api/v1/feedback",
        params={"segment_id": theirs.id},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "segment_id"
