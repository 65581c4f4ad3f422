"""The goals pages: list with status, the create form with quarter picks, detail, archive."""

import json
import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nabd.api.access import Principal, WorkspaceRef
from nabd.goals import notifications, progress
from nabd.goals.models import Goal
from nabd.goals.panel import PANEL_SIZE, goals_panel
from nabd.goals.quarters import Quarter
from nabd.workspaces.roles import Role
from tests.factories import csrf_from, make_member, make_workspace, sign_in
from tests.goals.factories import FLAT, answer_weekly, make_goal, make_nps_survey, running_period
from tests.query_counter import count_queries


def test_an_analyst_creates_a_goal_for_this_quarter(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session, language="ar")
    analyst = make_member(session, workspace, Role.ANALYST)
    sign_in(client, analyst)
    page = client.get("/goals")
    assert 'dir="rtl"' in page.text and "الأهداف" in page.text
    quarter = Quarter.of(progress.today())
    created = client.post(
        "/goals",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "رفع رضا العملاء",
            "metric": "csat",
            "baseline": "70",
            "target_kind": "change",
            "target_amount": "5",
            "period": quarter.key,
            "owner_id": str(analyst.user_id),
        },
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    goal = session.scalars(select(Goal)).one()
    assert (goal.start_date, goal.end_date) == (quarter.start, quarter.end)
    listing = client.get("/goals").text
    assert "رفع رضا العملاء" in listing and 'data-status="not_enough_data"' in listing
    detail = client.get(created.headers["location"])
    assert detail.status_code == 200
    chart = re.search(r'id="goal-chart-data">(.*?)</script>', detail.text, re.S)
    assert chart and json.loads(chart.group(1))["target"] == 75.0


def test_the_form_shows_every_problem_in_arabic(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session, language="ar")
    analyst = make_member(session, workspace, Role.ANALYST)
    sign_in(client, analyst)
    start, _ = running_period()
    refused = client.post(
        "/goals",
        data={
            "csrf_token": csrf_from(client.get("/goals").text),
            "name": "هدف",
            "metric": "nps",
            "baseline": "0",
            "target_amount": "500",
            "start_date": start.isoformat(),
            "end_date": start.isoformat(),
            "owner_id": str(analyst.user_id),
        },
    )
    assert refused.status_code == 422
    assert "تاريخ النهاية: يجب أن يكون بعد تاريخ البداية." in refused.text
    assert session.scalars(select(Goal)).all() == []


def test_viewers_see_goals_but_no_form(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    goal = make_goal(session, workspace, owner_id=owner.user_id, name="NPS up")
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get("/goals").text
    assert "NPS up" in page and 'data-testid="new-goal"' not in page
    assert 'data-testid="edit-goal"' not in client.get(f"/goals/{goal.id}").text
    assert (
        client.post(f"/goals/{goal.id}/archive", data={"csrf_token": csrf_from(page)}).status_code
        == 403
    )


def test_the_owner_sees_and_clears_notifications(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    survey = make_nps_survey(session, workspace)
    start, end = running_period()
    answer_weekly(session, survey, start=start, end=end, weeks=FLAT)
    make_goal(session, workspace, owner_id=owner.user_id, name="NPS up")
    notifications.check_goals(session, workspace_id=workspace.id, today=progress.today())
    session.commit()
    sign_in(client, owner)
    page = client.get("/goals").text
    assert 'data-testid="notification-count">1<' in page
    client.post("/goals/notifications/read", data={"csrf_token": csrf_from(page)})
    assert 'data-testid="goal-notifications"' not in client.get("/goals").text


def test_edit_and_archive(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    admin = make_member(session, workspace, Role.ADMIN)
    goal = make_goal(session, workspace, owner_id=admin.user_id)
    sign_in(client, admin)
    detail = client.get(f"/goals/{goal.id}").text
    csrf = csrf_from(detail)
    form = {
        "csrf_token": csrf,
        "name": "NPS 40",
        "metric": "nps",
        "baseline": "0",
        "target_kind": "value",
        "target_amount": "40",
        "start_date": goal.start_date.isoformat(),
        "end_date": goal.end_date.isoformat(),
        "owner_id": str(admin.user_id),
    }
    assert client.post(f"/goals/{goal.id}", data=form, follow_redirects=False).status_code == 303
    session.refresh(goal)
    assert (goal.name, goal.target_amount) == ("NPS 40", 40.0)
    archived = client.post(f"/goals/{goal.id}/archive", data={"csrf_token": csrf})
    assert archived.status_code == 200 and "NPS 40" not in archived.text


def test_the_overview_panel_lists_goals_ending_soonest(app: FastAPI, session: Session) -> None:
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    today = progress.today()
    for days in range(PANEL_SIZE + 1, 0, -1):
        make_goal(
            session,
            workspace,
            owner_id=owner.user_id,
            name=f"هدف {days}",
            end_date=today + timedelta(days=days),
        )
    viewer = Principal(workspace=WorkspaceRef.of(workspace), role=Role.VIEWER)
    panel = goals_panel(session, principal=viewer)
    assert panel is not None and panel.more == 1
    assert [goal.name for goal, _, _ in panel.goals] == [f"هدف {d}" for d in range(1, 6)]
    html = app.state.templates.get_template("goals/_panel.html").render(
        locale="ar", goals_panel=panel
    )
    assert html.count('data-status="not_enough_data"') == PANEL_SIZE
    assert "أهداف أخرى: 1" in html


def test_the_list_costs_a_fixed_number_of_queries_per_goal(
    client: TestClient, session: Session, engine: Engine
) -> None:
    # Each goal is measured live (its period so far and its weekly series), so the page grows
    # by those metric queries per goal and by nothing else: no lazy loads of owners or scopes.
    workspace = make_workspace(session)
    owner = make_member(session, workspace, Role.ANALYST)
    make_nps_survey(session, workspace)
    sign_in(client, owner)

    def page_queries() -> int:
        with count_queries(engine) as counter:
            assert client.get("/goals").status_code == 200
        return counter.count

    make_goal(session, workspace, owner_id=owner.user_id)
    one = page_queries()
    make_goal(session, workspace, owner_id=owner.user_id)
    two = page_queries()
    for _ in range(3):
        make_goal(session, workspace, owner_id=owner.user_id)
    five = page_queries()
    per_goal = two - one
    assert five - two == 3 * per_goal
    assert per_goal == 2  # the period so far, and the weekly series
