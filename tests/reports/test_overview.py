"""The overview's figures equal a direct computation, and its cost does not grow with data."""

from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nabd.core.types import utcnow
from nabd.customers.service import create_customer
from nabd.events.service import add_events, add_transactions
from nabd.journeys.service import ensure_channel
from nabd.workspaces.models import Workspace
from tests.factories import make_member, make_workspace, sign_in
from tests.journeys.factories import make_journey
from tests.metrics.factories import answer, make_cx_survey
from tests.query_counter import count_queries


def _seed(session: Session, workspace: Workspace, customers: int, *, first: int = 0) -> None:
    now = utcnow()
    web = ensure_channel(
        session, workspace_id=workspace.id, key="web", name_ar="الموقع", name_en="Website"
    )
    for index in range(first, first + customers):
        customer = create_customer(
            session,
            workspace_id=workspace.id,
            display_name=f"عميل {index}",
            language="ar",
            attributes={},
            identities=[("email", f"c{index}@{workspace.slug}.example")],
        )
        session.flush()
        add_events(
            session,
            workspace_id=workspace.id,
            rows=[
                {
                    "customer_id": customer.id,
                    "type": "page_view",
                    "channel_id": web.id,
                    "occurred_at": now - timedelta(days=days),
                    "properties": {},
                }
                for days in (1, 2, 45)
            ],
        )
        add_transactions(
            session,
            workspace_id=workspace.id,
            rows=[
                {
                    "order_id": f"{workspace.slug}-{index}-sar",
                    "customer_id": customer.id,
                    "amount": Decimal("100.50"),
                    "currency": "SAR",
                    "occurred_at": now - timedelta(days=3),
                    "items": [],
                },
                {
                    "order_id": f"{workspace.slug}-{index}-egp",
                    "customer_id": customer.id,
                    "amount": Decimal("40"),
                    "currency": "EGP",
                    "occurred_at": now - timedelta(days=3),
                    "items": [],
                },
            ],
        )
    session.commit()


def test_overview_counts_only_this_workspace_and_recent_activity(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    _seed(session, workspace, customers=4)
    _seed(session, make_workspace(session, "other"), customers=9)
    sign_in(client, make_member(session, workspace))
    page = client.get("/").text
    kpis = page.split('data-testid="kpis"')[1].split("</section>")[0]
    values = [chunk.split("<")[0] for chunk in kpis.split('class="kpi-value"')[1:]]
    # customers, active in 30 days, interactions in 30 days (2 of 3 each), orders
    assert values[:4] == [">4", ">4", ">8", ">8"]
    assert 'data-currency="SAR">SAR402.00' in kpis
    assert 'data-currency="EGP">EGP160.00' in kpis


def test_overview_query_count_does_not_grow_with_data(
    client: TestClient, session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    sign_in(client, make_member(session, workspace))
    _seed(session, workspace, customers=2)
    with count_queries(engine) as small:
        assert client.get("/").status_code == 200
    _seed(session, workspace, customers=40, first=2)
    with count_queries(engine) as large:
        assert client.get("/").status_code == 200
    # The CX part is 7 reads: the tiles of both periods (one rollup read), NPS by channel and
    # by touchpoint (one), the trend and heat map (one, grouped by touchpoint and month), the
    # sentiment index of each period, the topics and the workspace's churn window. Besides,
    # the snapshot watermarks, the filter choices (channels, touchpoints, journeys, surveys,
    # segments: read once, shared by every metric), the activity tiles and the goals panel;
    # none depends on the data's size.
    assert large.count == small.count <= 24


def test_overview_filters_add_no_lookup_per_metric(
    client: TestClient, session: Session, engine: Engine
) -> None:
    workspace = make_workspace(session)
    make_cx_survey(session, workspace)
    journey = make_journey(session, workspace, [("Purchase", ["web_checkout"])])
    sign_in(client, make_member(session, workspace))
    with count_queries(engine) as plain:
        assert client.get("/").status_code == 200
    filtered = f"/?channel=web&touchpoint=web_checkout&journey={journey.id}"
    with count_queries(engine) as counter:
        assert client.get(filtered).status_code == 200
    # The journey is checked and its touchpoints read once for every metric of the page; the
    # channel and touchpoint keys come from the filter form's own lists.
    assert counter.count <= plain.count + 2


def test_cx_tiles_trend_and_breakdowns_follow_the_url_filters(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    today = utcnow().replace(hour=8, minute=0, second=0, microsecond=0)
    for nps, channel, days_ago in [(10, "web", 1), (9, "web", 2), (2, "app", 3), (10, "app", 40)]:
        answer(
            session,
            survey,
            at=today - timedelta(days=days_ago),
            scores={"nps": nps, "csat": 5},
            channel=channel,
            comment="ممتاز",
        )
    session.commit()
    sign_in(client, make_member(session, workspace))
    page = client.get("/").text
    tiles = page.split('data-testid="cx-tiles"')[1].split('data-testid="kpis"')[0]
    # 2 promoters and 1 detractor of 3 in the last 30 days; 1 promoter of 1 before.
    assert 'data-testid="nps-value">33.3' in tiles
    assert "n = 3" in tiles
    assert 'data-testid="responses-value">3' in tiles
    assert "/feedback?source=survey&amp;since=" in tiles
    by_channel = page.split('data-testid="nps-channel-table"')[1].split("</table>")[0]
    assert "100" in by_channel and "-100" in by_channel
    assert 'id="nps-touchpoint-chart-labels">["Checkout"]' in page
    filtered = client.get("/?channel=web").text
    assert 'data-testid="nps-value">100' in filtered.split('data-testid="cx-tiles"')[1]
    assert "channel_id=" in filtered.split('data-testid="nps-drilldown"')[0].rsplit("href=", 1)[1]
    assert client.get("/?from=2026-02-30").status_code == 422
    assert client.get("/?from=2026-03-02&to=2026-03-01").status_code == 422
