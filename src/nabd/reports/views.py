"""The overview page: what is happening in the workspace right now."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.customers import service as customers
from nabd.events import service as events
from nabd.goals.panel import goals_panel
from nabd.journeys import service as journeys
from nabd.reports import cx
from nabd.reports.overview import build_overview
from nabd.surveys import service as surveys
from nabd.web.navigation import NavItem
from nabd.web.pages import render_page
from nabd.workspaces.roles import Permission

router = APIRouter(include_in_schema=False)
NAV_ITEMS = (NavItem("overview", N_("Overview"), "/", Permission.WORKSPACE_READ),)
RECENT_DAYS = 30
TREND_MONTHS = 12


@router.get("/")
def overview(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    channel: Annotated[str | None, Query(max_length=50)] = None,
) -> Response:
    now = utcnow()
    workspace_id = principal.workspace_id
    summary = events.summarise_activity(
        session, workspace_id=workspace_id, since=now - timedelta(days=RECENT_DAYS)
    )
    channels = {c.id: c for c in journeys.list_channels(session, workspace_id=workspace_id)}
    filters = cx.filters_from(start, end, channel, today=now.date())
    sales = events.monthly_sales(
        session, workspace_id=workspace_id, since=now - timedelta(days=TREND_MONTHS * 31)
    )
    return render_page(
        request,
        "reports/overview.html",
        {
            "customer_count": customers.count_customers(session, workspace_id=workspace_id),
            "goals_panel": goals_panel(
                session, principal=principal, settings=request.app.state.settings
            ),
            "summary": summary,
            "channels": channels,
            "recent_days": RECENT_DAYS,
            "sales": sales,
            "sales_chart": [
                {"month": row.month, "order_count": row.order_count, "revenue": float(row.revenue)}
                for row in sales
            ],
            **cx.page_context(
                build_overview(session, workspace_id=workspace_id, filters=filters),
                channels=list(channels.values()),
                touchpoints=surveys.list_touchpoints(session, workspace_id=workspace_id),
            ),
        },
    )
