"""`GET /overview.pdf`: the CX overview with the page's URL filters, as a file to share or print."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.core.types import utcnow
from nabd.reports import cx
from nabd.reports.pdf import file_name, render_overview_pdf
from nabd.web.locale import request_locale
from nabd.workspaces import service as workspaces
from nabd.workspaces.roles import Permission

router = APIRouter(include_in_schema=False)


@router.get("/overview.pdf")
def overview_pdf(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))],
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    channel: Annotated[str | None, Query(max_length=50)] = None,
) -> Response:
    now = utcnow()
    filters = cx.filters_from(start, end, channel, today=now.date())
    pdf = render_overview_pdf(
        session,
        workspace=workspaces.get_workspace(session, workspace_id=principal.workspace_id),
        filters=filters,
        locale=request_locale(request),
        generated_at=now,
    )
    return Response(
        pdf.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{file_name(filters)}"',
            "Cache-Control": "private, no-store",
        },
    )
