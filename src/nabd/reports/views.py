"""The overview page: what is happening in the workspace right now."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.analytics.snapshot import snapshot_freshness
from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.core.i18n import N_, gettext
from nabd.core.spreadsheets import XLSX_TYPE, csv_bytes, xlsx_bytes
from nabd.core.types import utcnow
from nabd.customers import service as customers
from nabd.events import service as events
from nabd.goals.panel import goals_panel
from nabd.journeys import service as journeys
from nabd.journeys.models import Channel, Journey, Touchpoint
from nabd.metrics.places import Places
from nabd.reports import cx, tables
from nabd.reports.overview import CxOverview, OverviewFilters, build_overview
from nabd.segments import service as segments
from nabd.surveys.models import Survey
from nabd.text.workspace_topics import workspace_taxonomy
from nabd.web.locale import request_locale
from nabd.web.navigation import NavItem
from nabd.web.pages import render_page
from nabd.workspaces.roles import Permission

router = APIRouter(include_in_schema=False)
NAV_ITEMS = (NavItem("overview", N_("Overview"), "/", Permission.WORKSPACE_READ),)
RECENT_DAYS = 30
TREND_MONTHS = 12


Reader = Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))]


@dataclass(frozen=True)
class CxFilterParams:
    """The overview's URL filters, shared by the page and its table exports."""

    start: Annotated[date | None, Query(alias="from")] = None
    end: Annotated[date | None, Query(alias="to")] = None
    channel: Annotated[str | None, Query(max_length=50)] = None
    touchpoint: Annotated[str | None, Query(max_length=50)] = None
    language: Annotated[str | None, Query(pattern="^([a-z]{2})?$")] = None
    survey: Annotated[str | None, Query(pattern="^[0-9]{0,9}$")] = None
    segment: Annotated[str | None, Query(pattern="^[0-9]{0,9}$")] = None
    journey: Annotated[str | None, Query(pattern="^[0-9]{0,9}$")] = None
    stage: Annotated[str | None, Query(pattern="^[0-9]{0,9}$")] = None


@dataclass(frozen=True)
class CxPage:
    """The CX overview of a request and what naming its rows needs."""

    overview: CxOverview
    channels: list[Channel]
    touchpoints: list[Touchpoint]
    surveys: dict[int, str]
    segments: dict[int, str]
    journeys: list[Journey]
    locale: str
    topic_names: dict[str, dict[str, str]]

    def topic_label(self, topic: str) -> str:
        labels = self.topic_names.get(topic, {})
        return labels.get(self.locale) or labels.get("en") or topic

    def place_name(self, places: list[Channel] | list[Touchpoint], key: str | None) -> str:
        if key is None:
            return gettext(self.locale, N_("None"))
        for place in places:
            if place.key == key:
                return place.name_ar if self.locale == "ar" else place.name_en
        return key


def _survey_titles(session: Session, *, workspace_id: int, locale: str) -> dict[int, str]:
    rows = session.execute(
        select(Survey.id, Survey.title_ar, Survey.title_en)
        .where(Survey.workspace_id == workspace_id)
        .order_by(Survey.id)
    )
    return {row.id: row.title_ar if locale == "ar" else row.title_en for row in rows}


def checked_filters(
    params: CxFilterParams,
    *,
    channels: Sequence[Channel],
    touchpoints: Sequence[Touchpoint],
    survey_ids: Sequence[int],
    segment_ids: Sequence[int] = (),
    journeys: Sequence[Journey] = (),
) -> OverviewFilters:
    """The URL's filters, each key checked against the workspace's own (the page, its
    exports and its PDF all read them so)."""
    return cx.filters_from(
        params.start,
        params.end,
        params.channel,
        today=utcnow().date(),
        touchpoint=params.touchpoint,
        language=params.language,
        survey_id=int(params.survey) if params.survey else None,
        segment_id=int(params.segment) if params.segment else None,
        known_channels=[channel.key for channel in channels],
        known_touchpoints=[touchpoint.key for touchpoint in touchpoints],
        known_surveys=survey_ids,
        known_segments=segment_ids,
        journey_id=int(params.journey) if params.journey else None,
        stage_id=int(params.stage) if params.stage else None,
        known_stages={journey.id: [stage.id for stage in journey.stages] for journey in journeys},
    )


def _cx_page(
    request: Request, session: DbSession, principal: Principal, params: CxFilterParams
) -> CxPage:
    workspace_id = principal.workspace_id
    locale = request_locale(request)
    channels = journeys.list_channels(session, workspace_id=workspace_id)
    touchpoints = journeys.list_touchpoints(session, workspace_id=workspace_id)
    journey_maps = journeys.list_journeys(session, workspace_id=workspace_id)
    titles = _survey_titles(session, workspace_id=workspace_id, locale=locale)
    segment_names = {
        segment.id: segment.name(locale)
        for segment in segments.list_segments(session, workspace_id=workspace_id)
    }
    filters = checked_filters(
        params,
        channels=channels,
        touchpoints=touchpoints,
        survey_ids=list(titles),
        segment_ids=list(segment_names),
        journeys=journey_maps,
    )
    taxonomy = workspace_taxonomy(session, workspace_id=workspace_id).taxonomy
    overview = build_overview(
        session,
        workspace_id=workspace_id,
        filters=filters,
        settings=request.app.state.settings,
        snapshot_as_of=snapshot_freshness(session, workspace_id=workspace_id),
        places=Places(
            session, workspace_id=workspace_id, channels=channels, touchpoints=touchpoints
        ),
    )
    return CxPage(
        overview=overview,
        channels=channels,
        touchpoints=touchpoints,
        surveys=titles,
        segments=segment_names,
        journeys=journey_maps,
        locale=locale,
        topic_names={topic.id: dict(topic.labels) for topic in taxonomy.topics},
    )


@router.get("/")
def overview(
    request: Request,
    session: DbSession,
    principal: Reader,
    params: Annotated[CxFilterParams, Depends()],
) -> Response:
    now = utcnow()
    workspace_id = principal.workspace_id
    summary = events.summarise_activity(
        session, workspace_id=workspace_id, since=now - timedelta(days=RECENT_DAYS)
    )
    page = _cx_page(request, session, principal, params)
    channels = {c.id: c for c in page.channels}
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
                page.overview,
                channels=page.channels,
                touchpoints=page.touchpoints,
                topic_label=page.topic_label,
                surveys=page.surveys,
                segments=page.segments,
                journeys=page.journeys,
            ),
        },
    )


def _export(table: str, extension: str) -> Callable[..., Response]:
    """The download of one table in one format (a fixed path each, no path parameters)."""

    def export_table(
        request: Request,
        session: DbSession,
        principal: Reader,
        params: Annotated[CxFilterParams, Depends()],
    ) -> Response:
        page = _cx_page(request, session, principal, params)
        rows = tables.table_rows(
            page.overview,
            table,
            gettext=lambda message: gettext(page.locale, message),
            channel_name=lambda key: page.place_name(page.channels, key),
            touchpoint_name=lambda key: page.place_name(page.touchpoints, key),
            topic_name=page.topic_label,
        )
        filters = page.overview.filters
        filename = f"overview-{table}-{filters.start.isoformat()}-{filters.end.isoformat()}"
        if extension == "csv":
            content, media_type = csv_bytes(rows), "text/csv; charset=utf-8"
        else:
            content, media_type = xlsx_bytes(rows, title=table), XLSX_TYPE
        return Response(
            content,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}.{extension}"'},
        )

    return export_table


for _table in tables.TABLES:
    for _extension in tables.FORMATS:
        router.add_api_route(
            f"/overview/export/{_table}.{_extension}",
            _export(_table, _extension),
            methods=["GET"],
            name=f"export_overview_{_table}_{_extension}",
        )
