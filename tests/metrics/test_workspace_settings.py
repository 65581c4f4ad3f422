"""A workspace's own churn window: set by admins on /settings/metrics, used by the engine."""

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry
from nabd.events.models import Event, Transaction
from nabd.metrics import customer_dynamics, workspace_settings
from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.metrics.periods import Period
from nabd.workspaces.roles import Role
from tests.analytics.seed import seed_spine
from tests.factories import csrf_from, make_member, make_workspace, sign_in


def test_an_admin_sets_the_window_and_others_cannot(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session, language="ar")
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    page = client.get("/settings/metrics")
    assert page.status_code == 200 and 'value="90"' in page.text and "إعدادات المقاييس" in page.text
    refused = client.post(
        "/settings/metrics", data={"csrf_token": csrf_from(page.text), "churn_inactive_days": "0"}
    )
    assert refused.status_code == 422 and "is-invalid" in refused.text
    saved = client.post(
        "/settings/metrics",
        data={"csrf_token": csrf_from(page.text), "churn_inactive_days": "30"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert 'value="30"' in client.get("/settings/metrics").text
    assert workspace_settings.churn_inactive_days(session, workspace_id=workspace.id) == 30
    audit = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "metrics.set_churn_window")
    ).one()
    assert audit.details == {"churn_inactive_days": 30, "previous": None}

    client.cookies.clear()
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    assert client.get("/settings/metrics").status_code == 403


def test_churn_uses_the_workspaces_window(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    seed_spine(session, workspace)
    session.commit()
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    query = MetricQuery(start=date(2026, 2, 1), end=date(2026, 3, 31))

    def churn() -> tuple[float | None, int]:
        result = compute_metric(
            session, workspace_id=workspace.id, metric="churn_rate", query=query, settings=settings
        )
        return result.value, result.n

    def expected(days: int) -> tuple[float | None, int]:
        # Every event is activity: the seed has no `churned` events.
        activities = [
            tuple(row)
            for model in (Event, Transaction)
            for row in session.execute(
                select(model.customer_id, model.occurred_at).where(
                    model.workspace_id == workspace.id, model.customer_id.is_not(None)
                )
            )
        ]
        [row] = customer_dynamics.churn_by_period(
            activities,  # type: ignore[arg-type]
            [Period(datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))],
            inactivity_window=timedelta(days=days),
            churn_events=[],
        )
        return row.rate.value, row.rate.n

    assert churn() == expected(settings.metrics_churn_inactive_days)
    workspace_settings.set_churn_inactive_days(
        session, workspace_id=workspace.id, days=7, actor=SYSTEM_ACTOR
    )
    assert churn() == expected(7)
    assert expected(7) != expected(settings.metrics_churn_inactive_days)
