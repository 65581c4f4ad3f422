"""JSON API for identity: link an anonymous visitor to a customer; merge and un-merge."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.params import ListResponse, page_request
from nabd.api.phone_region import PhoneRegion
from nabd.core.pagination import PageRequest
from nabd.core.types import utcnow
from nabd.customers import identity, merging
from nabd.customers.merge_models import CustomerMerge
from nabd.customers.references import CustomerReference
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["identity"])

WriteEvents = Annotated[Principal, Depends(require(Permission.EVENTS_WRITE))]
ReadCustomers = Annotated[Principal, Depends(require(Permission.CUSTOMERS_READ))]
ManageCustomers = Annotated[Principal, Depends(require(Permission.CUSTOMERS_MANAGE))]


class IdentifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    anonymous_id: str = Field(min_length=1, max_length=identity.MAX_ANONYMOUS_ID_LENGTH)
    customer: CustomerReference
    timestamp: AwareDatetime | None = None


class IdentifyOut(BaseModel):
    customer_id: int
    merge_id: int | None


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_customer_id: int
    source_customer_id: int


class MergeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    target_customer_id: int
    source_customer_id: int
    reason: str
    actor_label: str
    moved: dict[str, list[int]]
    source_snapshot: dict[str, Any]
    created_at: datetime
    undone_at: datetime | None


@router.post("/identify")
def post_identify(
    session: DbSession, principal: WriteEvents, _region: PhoneRegion, body: IdentifyIn
) -> IdentifyOut:
    """The visitor behind `anonymous_id` is `customer`: their earlier activity follows them."""
    result = identity.identify(
        session,
        workspace_id=principal.workspace_id,
        anonymous_id=body.anonymous_id,
        customer=body.customer,
        at=body.timestamp or utcnow(),
        actor=principal.actor,
    )
    return IdentifyOut(customer_id=result.customer_id, merge_id=result.merge_id)


@router.get("/merges")
def list_merges(
    session: DbSession,
    principal: ReadCustomers,
    page: Annotated[PageRequest, Depends(page_request)],
) -> ListResponse[MergeOut]:
    result = merging.list_merges(session, workspace_id=principal.workspace_id, page=page)
    return ListResponse(
        items=[MergeOut.model_validate(record) for record in result.items],
        next_cursor=result.next_cursor,
    )


@router.post("/merges", status_code=201)
def create_merge(session: DbSession, principal: ManageCustomers, body: MergeIn) -> MergeOut:
    """Fold the source customer into the target; audited and undoable."""
    record: CustomerMerge = merging.merge_customers(
        session,
        workspace_id=principal.workspace_id,
        target_id=body.target_customer_id,
        source_id=body.source_customer_id,
        actor=principal.actor,
    )
    return MergeOut.model_validate(record)


@router.get("/merges/{merge_id}")
def get_merge(session: DbSession, principal: ReadCustomers, merge_id: int) -> MergeOut:
    record = merging.get_merge(session, workspace_id=principal.workspace_id, merge_id=merge_id)
    return MergeOut.model_validate(record)


@router.post("/merges/{merge_id}/undo")
def undo_merge(session: DbSession, principal: ManageCustomers, merge_id: int) -> MergeOut:
    """Recreate the merged-away customer and move its rows back."""
    record = merging.unmerge(
        session, workspace_id=principal.workspace_id, merge_id=merge_id, actor=principal.actor
    )
    return MergeOut.model_validate(record)
