"""The CX overview takes a segment from its URL and passes it to every tile."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import refresh_snapshot
from nabd.config import Settings
from nabd.reports.overview import OverviewFilters, build_overview
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, sign_in
from tests.segments.factories import RIYADH, make_people, make_segment


def test_every_tile_is_computed_for_the_segment(session: Session, settings: Settings) -> None:
    workspace = make_workspace(session)
    people, _ = make_people(session, workspace, count=40)
    segment = make_segment(session, workspace, RIYADH)
    refresh_snapshot(
        session, root=settings.resolved_analytics_dir, workspace_id=workspace.id, settle_seconds=0
    )
    session.commit()
    filters = OverviewFilters(start=date(2025, 12, 2), end=date(2026, 12, 1), segment_id=segment.id)
    overview = build_overview(
        session, workspace_id=workspace.id, filters=filters, settings=settings
    )
    assert overview.left_out == []
    tiles = {tile.metric: tile for tile in overview.tiles}
    riyadh_answers = sum(len(p.answers) for p in people if p.city == "Riyadh")
    assert tiles["nps"].current.n == riyadh_answers
    assert sum(g.n for g in overview.nps_trend.groups) == riyadh_answers
    assert filters.params()["segment"] == str(segment.id)


def test_the_page_has_a_segment_select_and_refuses_an_unknown_one(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    segment = make_segment(session, workspace, RIYADH)
    sign_in(client, make_member(session, workspace, Role.VIEWER))
    page = client.get("/", params={"segment": segment.id})
    assert page.status_code == 200, page.text
    assert 'data-testid="cx-segment"' in page.text
    assert f'<option value="{segment.id}" dir="auto" selected>' in page.text
    assert f"segment={segment.id}" in page.text  # exports and links keep the filter
    assert 'data-testid="nps-freshness"' in page.text  # a segment's NPS is the snapshot's
    assert client.get("/", params={"segment": segment.id + 1}).status_code == 422
