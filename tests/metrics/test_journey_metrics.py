"""Survey metrics by journey and stage (a journey is its touchpoints) and by touchpoint x month."""

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.metrics import estimates
from nabd.metrics.engine import MetricQuery, compute_by_touchpoint_and_month, compute_metric
from nabd.metrics.errors import InvalidMetricQuery
from nabd.surveys import service as surveys
from nabd.surveys.models import Survey
from nabd.surveys.schemas import SurveyIn
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.journeys.factories import make_journey, make_touchpoints
from tests.metrics.factories import CX_SURVEY, TOUCHPOINT, answer, make_cx_survey
from tests.segments.factories import make_segment

NOVEMBER = "from=2026-11-01&to=2026-11-30"
# NPS scores per touchpoint; `call` is in no journey.
SCORES = {TOUCHPOINT: [10, 9, 3], "store": [0, 6, 10, 10], "call": [2]}
EVERYONE = {"conditions": [{"field": "order_count", "operator": "gte", "value": 0}]}


def _survey_at(session: Session, workspace: Workspace, touchpoint: str) -> Survey:
    survey = surveys.create_survey(
        session,
        workspace_id=workspace.id,
        data=SurveyIn.model_validate({**CX_SURVEY, "touchpoint_key": touchpoint}),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return survey


def _fill(session: Session) -> tuple[str, dict[str, Any]]:
    workspace = make_workspace(session)
    make_touchpoints(session, workspace, ["store", "call", "ad"])
    by_touchpoint = {
        TOUCHPOINT: make_cx_survey(session, workspace),
        "store": _survey_at(session, workspace, "store"),
        "call": _survey_at(session, workspace, "call"),
    }
    for touchpoint, scores in SCORES.items():
        for day, score in enumerate(scores, start=1):
            at = datetime(2026, 11, day, 9, tzinfo=UTC)
            answer(session, by_touchpoint[touchpoint], at=at, scores={"nps": score})
    shopping = make_journey(
        session, workspace, [("Awareness", ["ad"]), ("Purchase", [TOUCHPOINT, "store"])]
    )
    # A second journey shares the store: its answers count in both journeys' groups.
    visit = make_journey(session, workspace, [("Visit", ["store"])], name_en="Store visit")
    _, token = make_token(session, workspace, Role.VIEWER)
    ids = {
        "shopping": shopping.id,
        "visit": visit.id,
        "awareness": shopping.stages[0].id,
        "purchase": shopping.stages[1].id,
        "visit_stage": visit.stages[0].id,
    }
    return token, ids


def _get(client: TestClient, token: str, query: str, status: int = 200) -> dict[str, Any]:
    response = client.get(
        f"/api/v1/metrics/nps?{NOVEMBER}&{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == status, response.text
    return response.json()


def _nps(*touchpoints: str) -> float | None:
    return estimates.nps_from_scores([s for t in touchpoints for s in SCORES[t]]).value


def test_journey_and_stage_filters_keep_their_touchpoints(
    client: TestClient, session: Session
) -> None:
    token, ids = _fill(session)
    shopping = _get(client, token, f"journey_id={ids['shopping']}")
    assert (shopping["value"], shopping["n"]) == (_nps(TOUCHPOINT, "store"), 7)
    purchase = _get(client, token, f"journey_id={ids['shopping']}&stage_id={ids['purchase']}")
    assert purchase["value"] == shopping["value"]
    assert _get(client, token, f"stage_id={ids['awareness']}")["n"] == 0
    visit = _get(client, token, f"stage_id={ids['visit_stage']}")
    assert (visit["value"], visit["n"]) == (_nps("store"), 4)


def test_grouped_by_journey_and_by_stage(client: TestClient, session: Session) -> None:
    token, ids = _fill(session)
    by_journey = _get(client, token, "group_by=journey")
    groups = {group["key"]: (group["value"], group["n"]) for group in by_journey["groups"]}
    assert groups == {
        str(ids["shopping"]): (_nps(TOUCHPOINT, "store"), 7),
        str(ids["visit"]): (_nps("store"), 4),
        None: (_nps("call"), 1),
    }
    # Each answer counts once in the total, though the store is in two journeys.
    assert (by_journey["value"], by_journey["n"]) == (_nps(TOUCHPOINT, "store", "call"), 8)
    # With a journey, its own stages only (not those of the journey sharing the store).
    by_stage = _get(client, token, f"journey_id={ids['shopping']}&group_by=stage")
    assert {group["key"]: group["n"] for group in by_stage["groups"]} == {str(ids["purchase"]): 7}
    every_stage = _get(client, token, "group_by=stage")
    assert {group["key"]: group["n"] for group in every_stage["groups"]} == {
        str(ids["purchase"]): 7,
        str(ids["visit_stage"]): 4,
        None: 1,
    }


def test_unknown_journeys_and_other_metrics_are_refused(
    client: TestClient, session: Session
) -> None:
    token, ids = _fill(session)

    def field_of(path: str) -> str:
        response = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 422, response.text
        return str(response.json()["error"]["details"][0]["field"])

    assert field_of(f"/api/v1/metrics/nps?journey_id={10**9}") == "journey_id"
    stage_elsewhere = f"/api/v1/metrics/nps?journey_id={ids['visit']}&stage_id={ids['purchase']}"
    assert field_of(stage_elsewhere) == "stage_id"
    assert field_of(f"/api/v1/metrics/churn_rate?journey_id={ids['shopping']}") == "journey_id"
    assert field_of("/api/v1/metrics/sentiment?group_by=stage") == "group_by"
    # The sentiment index is filtered by a journey (its texts' touchpoints), not grouped.
    assert field_of(f"/api/v1/metrics/sentiment?journey_id={10**9}") == "journey_id"
    assert field_of(f"/api/v1/metrics/sentiment?{stage_elsewhere.split('?')[1]}") == "stage_id"


def test_another_workspace_cannot_use_this_journey(client: TestClient, session: Session) -> None:
    _, ids = _fill(session)
    other = make_workspace(session, slug="other")
    _, token = make_token(session, other, Role.VIEWER)
    response = client.get(
        f"/api/v1/metrics/nps?journey_id={ids['shopping']}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "journey_id"


def test_touchpoint_by_month_grid_equals_one_metric_per_touchpoint(session: Session) -> None:
    _fill(session)
    workspace_id = session.scalars(select(Workspace.id)).one()
    query = MetricQuery(start=date(2026, 10, 1), end=date(2026, 11, 30))
    both = compute_by_touchpoint_and_month(
        session, workspace_id=workspace_id, metric="nps", query=query
    )
    # The trend summed from the grid's cells is the metric grouped by month.
    assert both.by_month == compute_metric(
        session, workspace_id=workspace_id, metric="nps", query=replace(query, group_by="month")
    )
    assert [group.key for group in both.by_month.groups] == ["2026-11"]
    grid = both.by_touchpoint
    assert set(grid) == set(SCORES)
    for touchpoint in SCORES:
        [month] = compute_metric(
            session,
            workspace_id=workspace_id,
            metric="nps",
            query=replace(query, touchpoint=touchpoint, group_by="month"),
        ).groups
        cell = grid[touchpoint]["2026-11"]
        assert (cell.value, cell.n, cell.margin_of_error) == (
            month.value,
            month.n,
            month.margin_of_error,
        )
    with pytest.raises(InvalidMetricQuery):
        compute_by_touchpoint_and_month(
            session, workspace_id=workspace_id, metric="churn_rate", query=query
        )


def test_a_segment_of_everyone_gives_the_rollups_journey_slices_and_heat_map(
    session: Session, settings: Settings
) -> None:
    """With a segment, journey slices and the heat map come from the analytics snapshot:
    for a segment holding every customer they must equal the rollups' answers."""
    workspace = make_workspace(session)
    make_touchpoints(session, workspace, ["store", "ad"])
    by_touchpoint = {TOUCHPOINT: make_cx_survey(session, workspace)}
    by_touchpoint["store"] = _survey_at(session, workspace, "store")
    for touchpoint in by_touchpoint:
        for day, score in enumerate(SCORES[touchpoint], start=1):
            at = datetime(2026, 10 + day % 2, day, 9, tzinfo=UTC)
            email = f"{touchpoint}-{day}@customers.example"
            answer(session, by_touchpoint[touchpoint], at=at, scores={"nps": score}, email=email)
    shopping = make_journey(
        session, workspace, [("Awareness", ["ad"]), ("Purchase", [TOUCHPOINT, "store"])]
    )
    everyone = make_segment(session, workspace, EVERYONE)
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    query = MetricQuery(start=date(2026, 10, 1), end=date(2026, 11, 30))
    for sliced in (
        replace(query, journey_id=shopping.id),
        replace(query, stage_id=shopping.stages[1].id, group_by="month"),
        replace(query, journey_id=shopping.id, group_by="stage"),
    ):
        plain, by_segment = (
            compute_metric(
                session,
                workspace_id=workspace.id,
                metric="nps",
                query=replace(sliced, segment_id=segment_id),
                settings=settings,
            )
            for segment_id in (None, everyone.id)
        )
        assert by_segment.n == plain.n > 0
        assert by_segment.value == pytest.approx(plain.value)
        assert [(g.key, g.n, g.value) for g in by_segment.groups] == [
            (g.key, g.n, g.value) for g in plain.groups
        ]
    plain, by_segment = (
        compute_by_touchpoint_and_month(
            session,
            workspace_id=workspace.id,
            metric="nps",
            query=replace(query, segment_id=segment_id),
            settings=settings,
        )
        for segment_id in (None, everyone.id)
    )
    assert [(g.key, g.n, g.value) for g in by_segment.by_month.groups] == [
        (g.key, g.n, g.value) for g in plain.by_month.groups
    ]
    plain_map, segment_map = plain.by_touchpoint, by_segment.by_touchpoint
    assert set(segment_map) == set(plain_map) == {TOUCHPOINT, "store"}
    for touchpoint, months in plain_map.items():
        assert {month: (cell.n, cell.value) for month, cell in segment_map[touchpoint].items()} == {
            month: (cell.n, cell.value) for month, cell in months.items()
        }
