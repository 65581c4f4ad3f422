"""The goals API over real HTTP: validation naming the field, permissions, live status."""

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import AuditLogEntry
from nabd.goals import progress
from nabd.journeys.models import Channel
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token, make_workspace
from tests.goals.factories import (
    FLAT,
    RISING,
    answer,
    answer_weekly,
    make_nps_survey,
    running_period,
)


def _setup(session: Session, role: Role = Role.ANALYST) -> tuple[Workspace, dict[str, str], int]:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    _, token = make_token(session, workspace, role)
    return workspace, {"Authorization": f"Bearer {token}"}, owner.user_id


def _body(owner_id: int, /, **fields: Any) -> dict[str, Any]:
    start, end = running_period()
    return {
        "name": "NPS +30 في التطبيق",
        "metric": "nps",
        "baseline": 0,
        "target_kind": "change",
        "target_amount": 30,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "owner_id": owner_id,
        **fields,
    }


def _fields_of(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [detail["field"] for detail in response.json()["error"]["details"]]


def test_create_get_list_and_archive(client: TestClient, session: Session) -> None:
    _, headers, owner_id = _setup(session)
    created = client.post("/api/v1/goals", json=_body(owner_id), headers=headers)
    assert created.status_code == 201, created.text
    goal = created.json()
    assert goal["target"] == {"kind": "change", "amount": 30.0, "value": 30.0}
    assert goal["owner"]["id"] == owner_id
    assert goal["progress"]["status"] == "not_enough_data"
    assert client.get(f"/api/v1/goals/{goal['id']}", headers=headers).json()["name"] == goal["name"]
    assert [g["id"] for g in client.get("/api/v1/goals", headers=headers).json()["items"]] == [
        goal["id"]
    ]
    archived = client.post(f"/api/v1/goals/{goal['id']}/archive", headers=headers)
    assert archived.json()["archived"] is True
    assert client.get("/api/v1/goals", headers=headers).json()["items"] == []
    listed = client.get("/api/v1/goals?include_archived=true", headers=headers).json()["items"]
    assert [g["id"] for g in listed] == [goal["id"]]
    actions = session.scalars(
        select(AuditLogEntry.action).where(AuditLogEntry.object_type == "goal")
    ).all()
    assert sorted(actions) == ["goal.archive", "goal.create"]


def test_validation_names_the_field(client: TestClient, session: Session) -> None:
    _, headers, owner_id = _setup(session)
    start, _ = running_period()

    def refused(**fields: Any) -> list[str]:
        return _fields_of(
            client.post("/api/v1/goals", json=_body(owner_id, **fields), headers=headers)
        )

    assert refused(end_date=start.isoformat()) == ["end_date"]
    assert refused(target_kind="value", target_amount=150) == ["target_amount"]
    assert refused(metric="csat", baseline=50, target_kind="percent", target_amount=120) == [
        "target_amount"
    ]
    assert refused(target_kind="value", target_amount=0) == ["target_amount"]
    assert refused(baseline=-101) == ["baseline"]
    assert refused(metric="responses") == ["metric"]
    assert refused(metric="retention") == ["metric"]  # cohorts, not a weekly series
    assert refused(owner_id=owner_id + 999) == ["owner_id"]
    assert refused(channel_id=424242) == ["channel_id"]
    assert refused(start_date="yesterday") == ["start_date"]
    assert refused(baseline=None) == ["baseline"]  # no answers before the start to measure


def test_the_reason_is_in_the_readers_language(client: TestClient, session: Session) -> None:
    _, headers, owner_id = _setup(session)
    response = client.post(
        "/api/v1/goals",
        json=_body(owner_id, target_kind="value", target_amount=150),
        headers={**headers, "Accept-Language": "ar"},
    )
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == "target_amount"
    assert "100" in detail["reason"] and "المستهدفة" in detail["reason"]


def test_baseline_defaults_to_the_period_before(client: TestClient, session: Session) -> None:
    workspace, headers, owner_id = _setup(session)
    survey = make_nps_survey(session, workspace)
    start, _ = running_period()
    for score in (10, 10, 10, 0):  # NPS 50 in the month before the goal
        answer(session, survey, day=start - timedelta(days=10), score=score)
    session.commit()
    created = client.post("/api/v1/goals", json=_body(owner_id, baseline=None), headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["baseline"] == 50.0
    assert created.json()["target"]["value"] == 80.0


def test_scope_is_checked_against_the_metric(client: TestClient, session: Session) -> None:
    workspace, headers, owner_id = _setup(session)
    make_nps_survey(session, workspace)
    app_channel = session.scalar(select(Channel.id).where(Channel.workspace_id == workspace.id))
    scoped = client.post(
        "/api/v1/goals", json=_body(owner_id, channel_id=app_channel), headers=headers
    )
    assert scoped.status_code == 201, scoped.text
    assert scoped.json()["scope"]["channel_id"] == app_channel
    churn = _body(
        owner_id, metric="churn_rate", baseline=10, target_amount=-2, channel_id=app_channel
    )
    assert _fields_of(client.post("/api/v1/goals", json=churn, headers=headers)) == ["channel_id"]
    unscoped = {**churn, "channel_id": None}
    created = client.post("/api/v1/goals", json=unscoped, headers=headers)
    assert created.status_code == 201, created.text
    # No snapshot of customer activity yet: nothing to measure, so no status is made up.
    assert created.json()["target"]["value"] == 8.0
    assert created.json()["progress"]["status"] == "not_enough_data"


def test_status_follows_the_trend(client: TestClient, session: Session) -> None:
    workspace, headers, owner_id = _setup(session)
    survey = make_nps_survey(session, workspace)
    start, end = running_period()
    answer_weekly(session, survey, start=start, end=end, weeks=RISING)
    rising = client.post("/api/v1/goals", json=_body(owner_id), headers=headers).json()
    assert rising["progress"]["status"] == "on_track", rising["progress"]
    assert len(rising["progress"]["series"]) >= 4
    assert rising["progress"]["forecast"]["slope_per_day"] > 0
    # The same answers cannot reach NPS 100 on average: the forecast is capped at 100.
    beyond = client.patch(
        f"/api/v1/goals/{rising['id']}",
        json={"target_kind": "value", "target_amount": 100},
        headers=headers,
    ).json()
    assert beyond["progress"]["forecast"]["projected"] <= 100
    assert beyond["progress"]["status"] == "on_track"


def test_a_flat_metric_is_at_risk(client: TestClient, session: Session) -> None:
    workspace, headers, owner_id = _setup(session)
    survey = make_nps_survey(session, workspace)
    start, end = running_period()
    answer_weekly(session, survey, start=start, end=end, weeks=FLAT)
    goal = client.post("/api/v1/goals", json=_body(owner_id), headers=headers).json()
    assert goal["progress"]["status"] == "at_risk"
    assert goal["progress"]["current"] == 0.0
    assert goal["progress"]["progress"] == 0.0


def test_a_finished_period_is_achieved_or_missed(client: TestClient, session: Session) -> None:
    workspace, headers, owner_id = _setup(session)
    survey = make_nps_survey(session, workspace)
    today = progress.today()
    start, end = today - timedelta(days=60), today - timedelta(days=30)
    for score in (10, 10, 0):  # NPS 33.3
        answer(session, survey, day=start + timedelta(days=3), score=score)
    session.commit()
    dates = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    reached = _body(owner_id, target_kind="value", target_amount=30, **dates)
    short = _body(owner_id, target_kind="value", target_amount=40, **dates)
    statuses = [
        client.post("/api/v1/goals", json=body, headers=headers).json()["progress"]["status"]
        for body in (reached, short)
    ]
    assert statuses == ["achieved", "missed"]


def test_patch_checks_the_result_as_a_whole(client: TestClient, session: Session) -> None:
    _, headers, owner_id = _setup(session)
    goal = client.post("/api/v1/goals", json=_body(owner_id), headers=headers).json()
    moved = client.patch(
        f"/api/v1/goals/{goal['id']}", json={"baseline": 20, "name": "أعلى"}, headers=headers
    )
    assert moved.json()["target"]["value"] == 50.0  # a change of +30 moves with the baseline
    assert _fields_of(
        client.patch(f"/api/v1/goals/{goal['id']}", json={"target_amount": 90}, headers=headers)
    ) == ["target_amount"]
    cleared = {"owner_id": None, "name": None, "channel_id": None}
    assert _fields_of(
        client.patch(f"/api/v1/goals/{goal['id']}", json=cleared, headers=headers)
    ) == ["name", "owner_id"]


def test_viewers_read_and_only_analysts_and_admins_write(
    client: TestClient, session: Session
) -> None:
    workspace, analyst, owner_id = _setup(session)
    goal = client.post("/api/v1/goals", json=_body(owner_id), headers=analyst).json()
    for role, can_write in ((Role.VIEWER, False), (Role.AGENT, False), (Role.ADMIN, True)):
        _, token = make_token(session, workspace, role)
        headers = {"Authorization": f"Bearer {token}"}
        assert client.get(f"/api/v1/goals/{goal['id']}", headers=headers).status_code == 200
        created = client.post("/api/v1/goals", json=_body(owner_id), headers=headers)
        archived = client.post(f"/api/v1/goals/{goal['id']}/archive", headers=headers)
        expected = 201 if can_write else 403
        assert (created.status_code, archived.status_code) == (
            expected,
            200 if can_write else 403,
        ), role


def test_another_workspaces_goal_is_not_found(client: TestClient, session: Session) -> None:
    _, headers, owner_id = _setup(session)
    goal = client.post("/api/v1/goals", json=_body(owner_id), headers=headers).json()
    other = make_workspace(session, "other")
    _, token = make_token(session, other, Role.ADMIN)
    response = client.get(
        f"/api/v1/goals/{goal['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 404
