"""`GET /overview.pdf`: the CX overview with the page's URL filters, as a file to share or print."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.core.types import utcnow
from nabd.journeys import service as journeys
from nabd.reports.pdf import file_name, render_overview_pdf
from nabd.reports.views import CxFilterParams, checked_filters
from nabd.segments import service as segments
from nabd.surveys import service as surveys
from nabd.web.locale import request_locale
from nabd.workspaces import service as workspaces
from nabd.workspaces.roles import Permission

router = APIRouter(include_in_schema=False)


@router.get("/overview.pdf")
def overview_pdf(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))],
    params: Annotated[CxFilterParams, Depends()],
) -> Response:
    now = utcnow()
    workspace_id = principal.workspace_id
    channels = journeys.list_channels(session, workspace_id=workspace_id)
    touchpoints = journeys.list_touchpoints(session, workspace_id=workspace_id)
    journey_maps = journeys.list_journeys(session, workspace_id=workspace_id)
    filters = checked_filters(
        params,
        channels=channels,
        touchpoints=touchpoints,
        survey_ids=surveys.survey_ids(session, workspace_id=workspace_id),
        segment_ids=[s.id for s in segments.list_segments(session, workspace_id=workspace_id)],
        journeys=journey_maps,
    )
    pdf = render_overview_pdf(
        session,
        workspace=workspaces.get_workspace(session, workspace_id=principal.workspace_id),
        filters=filters,
        locale=request_locale(request),
        generated_at=now,
        channels=channels,
        touchpoints=touchpoints,
        journey_maps=journey_maps,
    )
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(filters)}"',
            "Cache-Control": "private, no-store",
        },
    )
