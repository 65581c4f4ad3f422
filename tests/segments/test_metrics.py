"""Metrics for a segment (from the analytics snapshot) equal a direct computation."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.customers import privacy
from nabd.metrics import estimates
from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.metrics.errors import InvalidMetricQuery
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_token, make_workspace
from tests.segments.factories import RIYADH, Person, make_people, make_segment

START, END = date(2025, 12, 1), date(2026, 12, 1)
EVERYONE = {"conditions": [{"field": "order_count", "operator": "gte", "value": 0}]}
NOBODY = {
    "conditions": [{"field": "attribute", "key": "city", "operator": "equals", "value": "Atlantis"}]
}


def _snapshot(session: Session, settings: Settings, workspace: Workspace) -> None:
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()


def _direct_nps(people: list[Person]) -> estimates.MetricEstimate:
    scores = [nps for person in people for _at, nps, _csat in person.answers]
    return estimates.nps_from_counts(
        promoters=sum(score >= 9 for score in scores),
        passives=sum(7 <= score <= 8 for score in scores),
        detractors=sum(score <= 6 for score in scores),
    )


def _direct_csat(people: list[Person]) -> estimates.MetricEstimate:
    scores = [csat for person in people for _at, _nps, csat in person.answers]
    return estimates.csat_from_counts(
        satisfied=sum(score >= 4 for score in scores), total=len(scores)
    )


def _query(**fields: object) -> MetricQuery:
    return MetricQuery(start=START, end=END, **fields)  # type: ignore[arg-type]


def test_nps_and_csat_of_a_segment_equal_a_direct_computation(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=60)
    riyadh = make_segment(session, workspace, RIYADH)
    _snapshot(session, settings, workspace)
    members = [person for person in people if person.city == "Riyadh"]
    for metric, direct in (("nps", _direct_nps), ("csat", _direct_csat)):
        result = compute_metric(
            session,
            workspace_id=workspace.id,
            metric=metric,
            query=_query(segment_id=riyadh.id),
            settings=settings,
        )
        expected = direct(members)
        assert result.n == expected.n > 0
        assert result.value == pytest.approx(expected.value)
        assert result.margin_of_error == pytest.approx(expected.margin_of_error)


def test_grouped_by_segment_each_group_equals_its_members(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=60)
    riyadh = make_segment(session, workspace, RIYADH)
    gold_definition = {
        "conditions": [{"field": "attribute", "key": "plan", "operator": "equals", "value": "gold"}]
    }
    gold = make_segment(session, workspace, gold_definition, name_en="Gold")
    _snapshot(session, settings, workspace)
    result = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="nps",
        query=_query(group_by="segment"),
        settings=settings,
    )
    groups = {group.key: group for group in result.groups}
    for segment_id, wanted in ((riyadh.id, "Riyadh"), (gold.id, None)):
        members = [p for p in people if (p.city == wanted if wanted else p.plan == "gold")]
        expected = _direct_nps(members)
        assert groups[str(segment_id)].n == expected.n
        assert groups[str(segment_id)].value == pytest.approx(expected.value)
    # The total counts every answer once, as without a segment.
    assert result.n == _direct_nps(people).n


def test_a_segment_of_everyone_equals_the_rollups(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    make_people(session, workspace, count=40)
    everyone = make_segment(session, workspace, EVERYONE)
    _snapshot(session, settings, workspace)
    for metric in ("nps", "csat", "csat_mean"):
        for group_by in (None, "month", "channel", "language"):
            plain = compute_metric(
                session,
                workspace_id=workspace.id,
                metric=metric,
                query=_query(group_by=group_by),
                settings=settings,
            )
            sliced = compute_metric(
                session,
                workspace_id=workspace.id,
                metric=metric,
                query=_query(group_by=group_by, segment_id=everyone.id),
                settings=settings,
            )
            assert sliced.n == plain.n and sliced.value == pytest.approx(plain.value)
            assert [(g.key, g.n) for g in sliced.groups] == [(g.key, g.n) for g in plain.groups]


def test_customer_metrics_take_a_segment(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    make_people(session, workspace, count=20)
    everyone = make_segment(session, workspace, EVERYONE)
    nobody = make_segment(session, workspace, NOBODY, name_en="Nobody")
    _snapshot(session, settings, workspace)
    # Everyone with activity on 28 November is at risk of churning from the 29th.
    late = MetricQuery(start=date(2026, 11, 29), end=END)
    plain = compute_metric(
        session, workspace_id=workspace.id, metric="churn_rate", query=late, settings=settings
    )
    assert plain.n > 0
    for segment, n in ((everyone, plain.n), (nobody, 0)):
        sliced = compute_metric(
            session,
            workspace_id=workspace.id,
            metric="churn_rate",
            query=MetricQuery(start=late.start, end=END, segment_id=segment.id),
            settings=settings,
        )
        assert sliced.n == n


def test_unknown_segment_and_unsupported_metrics_are_refused(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    riyadh = make_segment(session, workspace, RIYADH)
    cases = (
        ("nps", _query(segment_id=riyadh.id + 100), "segment_id"),
        ("response_rate", _query(segment_id=riyadh.id), "segment_id"),
        ("churn_rate", _query(group_by="segment"), "group_by"),
    )
    for metric, query, field in cases:
        with pytest.raises(InvalidMetricQuery) as caught:
            compute_metric(
                session, workspace_id=workspace.id, metric=metric, query=query, settings=settings
            )
        assert caught.value.details[0].field == field, metric


def test_the_api_answers_a_segment_slice(
    client: TestClient, session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=30)
    riyadh = make_segment(session, workspace, RIYADH)
    _snapshot(session, settings, workspace)
    _, token = make_token(session, workspace, Role.VIEWER)
    response = client.get(
        "/api/v1/metrics/nps",
        params={"from": START.isoformat(), "to": END.isoformat(), "group_by": "segment"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"metric", "value", "n", "margin_of_error", "groups"}
    expected = _direct_nps([p for p in people if p.city == "Riyadh"])
    assert body["groups"] == [
        {
            "key": str(riyadh.id),
            "value": pytest.approx(expected.value),
            "n": expected.n,
            "margin_of_error": pytest.approx(expected.margin_of_error),
        }
    ]


def test_an_erased_member_leaves_the_slice_but_not_the_total(
    session: Session, settings: Settings
) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=40)
    riyadh = make_segment(session, workspace, RIYADH)
    _snapshot(session, settings, workspace)
    erased = next(p for p in people if p.city == "Riyadh" and p.answers)
    privacy.erase_customer(
        session, workspace_id=workspace.id, customer_id=erased.id, actor=SYSTEM_ACTOR
    )
    session.commit()
    _snapshot(session, settings, workspace)
    members = [p for p in people if p.city == "Riyadh" and p.id != erased.id]

    def nps(**fields: object) -> int:
        return compute_metric(
            session,
            workspace_id=workspace.id,
            metric="nps",
            query=_query(**fields),
            settings=settings,
        ).n

    assert nps(segment_id=riyadh.id) == _direct_nps(members).n
    assert nps(group_by="segment") == _direct_nps(people).n  # detached scores still count
