"""JSON API for customer profiles, their timelines and data-subject rights."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.api.params import ListResponse
from nabd.core.errors import ErrorDetail, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from nabd.customers import privacy, service
from nabd.customers.listing import CustomerFilters, CustomerSort, ListRequest, list_customers
from nabd.customers.masking import masks_contact_details
from nabd.customers.profile import customer_profile, place_names
from nabd.customers.references import normalise_phone
from nabd.customers.schemas import (
    ContactPreferencesOut,
    ContactPreferencesPatch,
    CustomerOut,
    CustomerSummaryOut,
    ErasureOut,
    TimelineEntryOut,
    entry_out,
    profile_out,
    summary_out,
)
from nabd.customers.timeline import EntryKind, TimelineFilters, customer_timeline
from nabd.segments import service as segments
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

ReadCustomers = Annotated[Principal, Depends(require(Permission.CUSTOMERS_READ))]
ManageCustomers = Annotated[Principal, Depends(require(Permission.CUSTOMERS_MANAGE))]
CustomerPrivacy = Annotated[Principal, Depends(require(Permission.CUSTOMERS_PRIVACY))]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Cursor = Annotated[str | None, Query(max_length=300)]


def _stored_phone(value: str, region: str) -> str:
    """The number as identities store it (E.164), a national one read in the workspace's
    region, so `phone=0501234567` finds `+966501234567`; not a number is a 422."""
    try:
        return normalise_phone(value, region)
    except ValueError as error:
        raise ValidationFailed(
            N_("The request is not valid."), details=[ErrorDetail("phone", str(error))]
        ) from None


@router.get("")
def list_all(
    session: DbSession,
    principal: ReadCustomers,
    q: Annotated[str | None, Query(max_length=200, description="Name, e-mail, phone or id")] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    phone: Annotated[str | None, Query(max_length=320)] = None,
    external_id: Annotated[str | None, Query(max_length=320)] = None,
    min_spend: Decimal | None = None,
    max_spend: Decimal | None = None,
    seen_from: datetime | None = None,
    seen_until: datetime | None = None,
    nps_bucket: Literal["promoter", "passive", "detractor"] | None = None,
    segment_id: Annotated[int | None, Query(ge=1, description="Members of this segment")] = None,
    sort: CustomerSort = CustomerSort.LAST_SEEN,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> ListResponse[CustomerSummaryOut]:
    """Customers matching every given filter; `q` is an Arabic-normalised prefix search."""
    filters = CustomerFilters(
        query=q,
        email=email,
        phone=None if phone is None else _stored_phone(phone, principal.workspace.phone_region),
        external_id=external_id,
        min_spend=min_spend,
        max_spend=max_spend,
        seen_from=seen_from,
        seen_until=seen_until,
        nps_bucket=nps_bucket,
        segment_id=segment_id,
    )
    segments.check_segment_filter(
        session, workspace_id=principal.workspace_id, segment_id=segment_id
    )
    page = list_customers(
        session,
        workspace_id=principal.workspace_id,
        filters=filters,
        request=ListRequest(sort=sort, limit=limit, cursor=cursor),
    )
    masked = masks_contact_details(
        session, workspace_id=principal.workspace_id, role=principal.role
    )
    return ListResponse(
        items=[summary_out(customer, masked=masked) for customer in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/{customer_id}")
def get_one(session: DbSession, principal: ReadCustomers, customer_id: int) -> CustomerOut:
    profile = customer_profile(
        session, workspace_id=principal.workspace_id, customer_id=customer_id
    )
    names = place_names(session, workspace_id=principal.workspace_id)
    masked = masks_contact_details(
        session, workspace_id=principal.workspace_id, role=principal.role
    )
    return profile_out(profile, names, masked=masked)


@router.get("/{customer_id}/timeline")
def timeline(
    session: DbSession,
    principal: ReadCustomers,
    customer_id: int,
    kind: Annotated[list[EntryKind] | None, Query()] = None,
    channel_id: int | None = None,
    limit: Limit = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> ListResponse[TimelineEntryOut]:
    """Events, purchases, survey responses and feedback, newest first; repeat `kind`."""
    service.get_customer(session, workspace_id=principal.workspace_id, customer_id=customer_id)
    page = customer_timeline(
        session,
        workspace_id=principal.workspace_id,
        customer_id=customer_id,
        filters=TimelineFilters(kinds=frozenset(kind or EntryKind), channel_id=channel_id),
        limit=limit,
        cursor=cursor,
    )
    names = place_names(session, workspace_id=principal.workspace_id)
    return ListResponse(
        items=[entry_out(entry, names) for entry in page.entries], next_cursor=page.next_cursor
    )


@router.patch("/{customer_id}/contact-preferences")
def update_contact_preferences(
    session: DbSession,
    principal: ManageCustomers,
    customer_id: int,
    changes: ContactPreferencesPatch,
) -> ContactPreferencesOut:
    stored = service.set_contact_preferences(
        session,
        workspace_id=principal.workspace_id,
        customer_id=customer_id,
        opted_out=changes.changes(),
        actor=principal.actor,
    )
    return ContactPreferencesOut(
        email_opted_out=stored["email"],
        sms_opted_out=stored["sms"],
        whatsapp_opted_out=stored["whatsapp"],
    )


@router.get("/{customer_id}/export", response_model=None)
def export(
    session: DbSession,
    principal: CustomerPrivacy,
    customer_id: int,
    format: Literal["json", "zip"] = "json",
) -> dict[str, object] | Response:
    """Everything held about the customer (right of access); `format=zip` adds a README."""
    document = privacy.export_customer(
        session, workspace_id=principal.workspace_id, customer_id=customer_id, actor=principal.actor
    )
    if format == "json":
        return document
    return Response(
        privacy.export_archive(document),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.zip"'},
    )


@router.delete("/{customer_id}")
def erase(session: DbSession, principal: CustomerPrivacy, customer_id: int) -> ErasureOut:
    """Erase the customer (right to erasure); events and purchases stay only as anonymous counts."""
    receipt = privacy.erase_customer(
        session, workspace_id=principal.workspace_id, customer_id=customer_id, actor=principal.actor
    )
    return ErasureOut.of(receipt)
