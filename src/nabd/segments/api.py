"""JSON API: segments, a definition's preview size, and a segment's customers."""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.params import ListResponse, page_request
from nabd.core.pagination import PageRequest
from nabd.customers.masking import masks_contact_details
from nabd.customers.schemas import CustomerSummaryOut, summary_out
from nabd.segments import service
from nabd.segments.models import Segment
from nabd.segments.schemas import PreviewIn, PreviewOut, SegmentIn, SegmentOut, SegmentPatch
from nabd.segments.tasks import refresh_later_if_pending
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["segments"])

ReadSegments = Annotated[Principal, Depends(require(Permission.SEGMENTS_READ))]
WriteSegments = Annotated[Principal, Depends(require(Permission.SEGMENTS_WRITE))]
ReadMembers = Annotated[Principal, Depends(require(Permission.CUSTOMERS_READ))]
Pagination = Annotated[PageRequest, Depends(page_request)]


def segment_out(segment: Segment) -> SegmentOut:
    return SegmentOut.model_validate(segment, from_attributes=True)


@router.get("/segments")
def list_segments(session: DbSession, principal: ReadSegments) -> ListResponse[SegmentOut]:
    """Every segment of the workspace with its size and when it was last refreshed."""
    segments = service.list_segments(session, workspace_id=principal.workspace_id)
    return ListResponse(items=[segment_out(segment) for segment in segments], next_cursor=None)


@router.post("/segments", status_code=201)
def create_segment(session: DbSession, principal: WriteSegments, data: SegmentIn) -> SegmentOut:
    """Create a segment; its membership is computed before the answer."""
    segment = service.create_segment(
        session, workspace_id=principal.workspace_id, data=data, actor=principal.actor
    )
    refresh_later_if_pending(session, segment)
    return segment_out(segment)


@router.post("/segments/preview")
def preview_segment(session: DbSession, principal: WriteSegments, data: PreviewIn) -> PreviewOut:
    """How many customers a definition matches now, without saving it."""
    size = service.preview_size(
        session, workspace_id=principal.workspace_id, document=data.definition
    )
    return PreviewOut(size=size)


@router.get("/segments/{segment_id}")
def get_segment(session: DbSession, principal: ReadSegments, segment_id: int) -> SegmentOut:
    segment = service.get_segment(
        session, workspace_id=principal.workspace_id, segment_id=segment_id
    )
    return segment_out(segment)


@router.patch("/segments/{segment_id}")
def update_segment(
    session: DbSession, principal: WriteSegments, segment_id: int, changes: SegmentPatch
) -> SegmentOut:
    segment = service.update_segment(
        session,
        workspace_id=principal.workspace_id,
        segment_id=segment_id,
        changes=changes,
        actor=principal.actor,
    )
    refresh_later_if_pending(session, segment)
    return segment_out(segment)


@router.delete("/segments/{segment_id}", status_code=204)
def delete_segment(session: DbSession, principal: WriteSegments, segment_id: int) -> Response:
    service.delete_segment(
        session, workspace_id=principal.workspace_id, segment_id=segment_id, actor=principal.actor
    )
    return Response(status_code=204)


@router.get("/segments/{segment_id}/customers")
def segment_customers(
    session: DbSession, principal: ReadMembers, segment_id: int, page: Pagination
) -> ListResponse[CustomerSummaryOut]:
    """The segment's customers as of its last refresh, by id, shaped as `GET /customers`."""
    result = service.list_members(
        session, workspace_id=principal.workspace_id, segment_id=segment_id, page=page
    )
    masked = masks_contact_details(
        session, workspace_id=principal.workspace_id, role=principal.role
    )
    return ListResponse(
        items=[summary_out(customer, masked=masked) for customer in result.items],
        next_cursor=result.next_cursor,
    )
