"""Survey metrics broken down by any customer attribute, from the analytics snapshot."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.metrics import estimates
from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.metrics.errors import InvalidMetricQuery
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.segments.factories import RIYADH, Person, make_people, make_segment

START, END = date(2025, 12, 1), date(2026, 12, 1)


def _snapshot(session: Session, settings: Settings, workspace: Workspace) -> None:
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()


def _direct_nps(people: list[Person]) -> estimates.MetricEstimate:
    return estimates.nps_from_scores([nps for person in people for _at, nps, _ in person.answers])


def test_nps_by_city_equals_a_direct_computation_per_city(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=60)
    _snapshot(session, settings, workspace)
    result = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="nps",
        query=MetricQuery(start=START, end=END, group_by="attribute", attribute="city"),
        settings=settings,
    )
    groups = {group.key: group for group in result.groups}
    cities = {person.city for person in people if person.answers}
    # Customers without a city form the None group.
    assert set(groups) == cities
    for city in cities:
        expected = _direct_nps([person for person in people if person.city == city])
        assert groups[city].n == expected.n > 0
        assert groups[city].value == pytest.approx(expected.value)
        assert groups[city].margin_of_error == pytest.approx(expected.margin_of_error)
    assert result.n == _direct_nps(people).n


def test_an_attribute_breakdown_takes_a_segment_filter(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=60)
    riyadh = make_segment(session, workspace, RIYADH)
    _snapshot(session, settings, workspace)
    result = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="nps",
        query=MetricQuery(
            start=START, end=END, group_by="attribute", attribute="plan", segment_id=riyadh.id
        ),
        settings=settings,
    )
    for group in result.groups:
        members = [p for p in people if p.city == "Riyadh" and p.plan == group.key]
        assert group.n == _direct_nps(members).n > 0


@pytest.mark.parametrize(
    ("metric", "fields", "field"),
    [
        ("nps", {"group_by": "attribute"}, "attribute"),
        ("nps", {"attribute": "city"}, "attribute"),
        ("churn_rate", {"group_by": "attribute", "attribute": "city"}, "group_by"),
    ],
)
def test_attribute_queries_that_cannot_be_answered_are_refused(
    session: Session, settings: Settings, metric: str, fields: dict[str, Any], field: str
) -> None:
    workspace = make_workspace(session)
    with pytest.raises(InvalidMetricQuery) as caught:
        compute_metric(
            session,
            workspace_id=workspace.id,
            metric=metric,
            query=MetricQuery(start=START, end=END, **fields),
            settings=settings,
        )
    assert caught.value.details[0].field == field


def test_the_api_groups_by_attribute_and_checks_the_key(
    client: TestClient, session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=30)
    _snapshot(session, settings, workspace)
    _, token = make_token(session, workspace, Role.VIEWER)
    headers = {"Authorization": f"Bearer {token}"}
    window = {"from": START.isoformat(), "to": END.isoformat(), "group_by": "attribute"}
    response = client.get(
        "/api/v1/metrics/nps", params={**window, "attribute": "plan"}, headers=headers
    )
    assert response.status_code == 200, response.text
    keys = {group["key"] for group in response.json()["groups"]}
    assert keys == {person.plan for person in people if person.answers}
    for bad in ("city'; DROP TABLE", ""):
        refused = client.get(
            "/api/v1/metrics/nps", params={**window, "attribute": bad}, headers=headers
        )
        assert refused.status_code == 422
        assert refused.json()["error"]["details"][0]["field"].endswith("attribute")
