"""Customer pages: the searchable list, the 360° profile, contact preferences, merging
duplicates (and undoing it), DSR actions."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.i18n import N_, gettext
from nabd.customers import merging, privacy, service
from nabd.customers.errors import CustomerNotFound
from nabd.customers.listing import CustomerFilters, CustomerSort, ListRequest, list_customers
from nabd.customers.masking import (
    MASKABLE_ROLES,
    masked_roles,
    masks_contact_details,
    set_masked_roles,
    shown_identity,
)
from nabd.customers.models import CONTACT_CHANNELS
from nabd.customers.profile import customer_profile, place_names
from nabd.customers.scores import METRIC_LABELS, NPS_BUCKET_LABELS
from nabd.customers.timeline import EntryKind, TimelineFilters, customer_timeline
from nabd.events.schemas import BUILT_IN_EVENT_TYPES
from nabd.segments import service as segments
from nabd.web.locale import request_locale
from nabd.web.navigation import NavItem
from nabd.web.pages import flash, render_page
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/customers", dependencies=[Depends(check_csrf)], include_in_schema=False)

NAV_ITEMS = (NavItem("customers", N_("Customers"), "/customers", Permission.CUSTOMERS_READ),)

ReadCustomers = Annotated[Principal, Depends(require(Permission.CUSTOMERS_READ))]
ManageCustomers = Annotated[Principal, Depends(require(Permission.CUSTOMERS_MANAGE))]
CustomerPrivacy = Annotated[Principal, Depends(require(Permission.CUSTOMERS_PRIVACY))]
ManageSettings = Annotated[Principal, Depends(require(Permission.SETTINGS_MANAGE))]

PAGE_SIZE = 50
# The merges into a customer its profile lists (the API lists them all).
LISTED_MERGES = 20
IDENTITY_LABELS = {
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "external_id": N_("External id"),
    "anonymous_id": N_("Anonymous id"),
}
CONTACT_CHANNEL_LABELS = {"email": N_("E-mail"), "sms": N_("SMS"), "whatsapp": N_("WhatsApp")}
FEEDBACK_SOURCE_LABELS = {
    "survey": N_("Survey"),
    "review": N_("Review"),
    "social": N_("Social media"),
    "ticket": N_("Support ticket"),
    "chat": N_("Chat"),
    "call_note": N_("Call note"),
    "email": N_("E-mail"),
}


def _decimal(value: str | None) -> Decimal | None:
    try:
        return Decimal(value.strip()) if value and value.strip() else None
    except InvalidOperation:
        return None


def _day_start(value: str | None, zone: ZoneInfo) -> datetime | None:
    try:
        day = date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None
    return datetime.combine(day, time.min, tzinfo=zone) if day else None


def _shown(session: DbSession, principal: Principal) -> Callable[[str, str], str]:
    """What the templates call to show an identity value, masked if the role needs it."""
    masked = masks_contact_details(
        session, workspace_id=principal.workspace_id, role=principal.role
    )
    return lambda kind, value: shown_identity(kind, value, masked=masked)


def _whole(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _sort(value: str | None) -> CustomerSort:
    try:
        return CustomerSort(value or CustomerSort.LAST_SEEN)
    except ValueError:
        return CustomerSort.LAST_SEEN


@router.get("")
def customer_list(request: Request, session: DbSession, principal: ReadCustomers) -> Response:
    """Search and filters come from the query string, so every result page can be bookmarked."""
    params = request.query_params
    zone = ZoneInfo(principal.workspace.time_zone)
    until = _day_start(params.get("seen_until"), zone)
    filters = CustomerFilters(
        query=params.get("q"),
        min_spend=_decimal(params.get("min_spend")),
        max_spend=_decimal(params.get("max_spend")),
        seen_from=_day_start(params.get("seen_from"), zone),
        seen_until=until + timedelta(days=1) if until else None,
        nps_bucket=params.get("nps") or None,
        segment_id=_whole(params.get("segment_id")),
    )
    sort = _sort(params.get("sort"))
    page = list_customers(
        session,
        workspace_id=principal.workspace_id,
        filters=filters,
        request=ListRequest(sort=sort, limit=PAGE_SIZE, cursor=params.get("cursor") or None),
    )
    first_query = {key: value for key, value in params.items() if key != "cursor" and value}
    next_query = {**first_query, "cursor": page.next_cursor} if page.next_cursor else None
    return render_page(
        request,
        "customers/list.html",
        {
            "customers": page.items,
            "form": {key: params.get(key, "") for key in _LIST_FIELDS},
            "sort": sort,
            "sorts": list(CustomerSort),
            "nps_buckets": NPS_BUCKET_LABELS,
            "segments": segments.list_segments(session, workspace_id=principal.workspace_id)
            if principal.can(Permission.SEGMENTS_READ)
            else [],
            "first_query": first_query,
            "next_query": next_query,
            "is_first_page": not params.get("cursor"),
            "shown": _shown(session, principal),
            "can_import": principal.can(Permission.DATA_IMPORT),
            "can_configure": principal.can(Permission.SETTINGS_MANAGE),
        },
    )


_LIST_FIELDS = ("q", "min_spend", "max_spend", "seen_from", "seen_until", "nps", "segment_id")


@router.get("/masking")
def masking_form(request: Request, session: DbSession, principal: ManageSettings) -> Response:
    masked = masked_roles(session, workspace_id=principal.workspace_id)
    return render_page(
        request, "customers/masking.html", {"roles": MASKABLE_ROLES, "masked": masked}
    )


@router.post("/masking")
async def save_masking(request: Request, session: DbSession, principal: ManageSettings) -> Response:
    """Checked boxes name the roles that see masked e-mail addresses and phone numbers."""
    form = await request.form()
    chosen = [role for role in MASKABLE_ROLES if form.get(f"mask_{role.value}")]
    set_masked_roles(
        session, workspace_id=principal.workspace_id, roles=chosen, actor=principal.actor
    )
    flash(request, N_("Masking of contact details saved."))
    return RedirectResponse("/customers/masking", status_code=303)


def _timeline_filters(request: Request) -> tuple[TimelineFilters, list[str], int | None]:
    """The filters, the chosen kind values and channel id (to keep them in the next link)."""
    params = request.query_params
    kinds = sorted(kind for kind in EntryKind if kind.value in params.getlist("kind"))
    channel = params.get("channel_id")
    channel_id = int(channel) if channel and channel.isdigit() else None
    filters = TimelineFilters(kinds=frozenset(kinds or EntryKind), channel_id=channel_id)
    return filters, [kind.value for kind in kinds], channel_id


@router.get("/{customer_id}")
def customer_page(
    request: Request, session: DbSession, principal: ReadCustomers, customer_id: int
) -> Response:
    workspace_id = principal.workspace_id
    try:
        profile = customer_profile(session, workspace_id=workspace_id, customer_id=customer_id)
    except CustomerNotFound:
        # A duplicate merged away: its old links lead to the customer it became part of.
        merge = merging.standing_merge_of(session, workspace_id=workspace_id, source_id=customer_id)
        if merge is None:
            raise
        flash(request, N_("Customer %(number)s was merged into this one."), number=customer_id)
        return RedirectResponse(f"/customers/{merge.target_customer_id}", status_code=303)
    filters, chosen_kinds, channel_id = _timeline_filters(request)
    timeline = customer_timeline(
        session,
        workspace_id=workspace_id,
        customer_id=customer_id,
        filters=filters,
        limit=PAGE_SIZE,
        cursor=request.query_params.get("cursor") or None,
    )
    names = place_names(session, workspace_id=workspace_id)
    next_query = None
    if timeline.next_cursor:
        next_query = [("kind", kind) for kind in chosen_kinds]
        if channel_id is not None:
            next_query.append(("channel_id", str(channel_id)))
        next_query.append(("cursor", timeline.next_cursor))
    locale = request_locale(request)
    return render_page(
        request,
        "customers/profile.html",
        {
            "profile": profile,
            "customer": profile.customer,
            "title": profile.customer.display_name
            or gettext(locale, N_("Customer %(number)s")) % {"number": customer_id},
            "timeline": timeline.entries,
            "next_query": next_query,
            "selected": {"kinds": chosen_kinds, "channel_id": channel_id},
            "entry_kinds": list(EntryKind),
            "names": names,
            "channel_name": lambda channel_id: names.channel_name(channel_id, locale),
            "touchpoint_name": lambda touchpoint_id: names.touchpoint_name(touchpoint_id, locale),
            "identity_labels": IDENTITY_LABELS,
            "contact_channels": [(c, CONTACT_CHANNEL_LABELS[c]) for c in CONTACT_CHANNELS],
            "source_labels": FEEDBACK_SOURCE_LABELS,
            "event_type_labels": BUILT_IN_EVENT_TYPES,
            "metric_labels": METRIC_LABELS,
            "bucket_labels": NPS_BUCKET_LABELS,
            "shown": _shown(session, principal),
            "merges": merging.merges_into(
                session, workspace_id=workspace_id, customer_id=customer_id, limit=LISTED_MERGES
            ),
            "can_manage": principal.can(Permission.CUSTOMERS_MANAGE),
            "can_privacy": principal.can(Permission.CUSTOMERS_PRIVACY),
        },
    )


@router.post("/{customer_id}/contact-preferences")
def update_contact_preferences(
    request: Request,
    session: DbSession,
    principal: ManageCustomers,
    customer_id: int,
    opt_out_email: Annotated[bool, Form()] = False,
    opt_out_sms: Annotated[bool, Form()] = False,
    opt_out_whatsapp: Annotated[bool, Form()] = False,
) -> Response:
    """Unchecked boxes are absent from a form post, so absence means "not opted out"."""
    service.set_contact_preferences(
        session,
        workspace_id=principal.workspace_id,
        customer_id=customer_id,
        opted_out={"email": opt_out_email, "sms": opt_out_sms, "whatsapp": opt_out_whatsapp},
        actor=principal.actor,
    )
    flash(request, N_("Contact preferences saved."))
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.post("/{customer_id}/merge")
def merge_duplicate(
    request: Request,
    session: DbSession,
    principal: ManageCustomers,
    customer_id: int,
    source: Annotated[str, Form()] = "",
) -> Response:
    """Fold a duplicate, named by its customer number, into this customer. The merge's own
    checks (not itself, both exist) refuse before it writes anything."""
    workspace_id = principal.workspace_id
    service.get_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    back = RedirectResponse(f"/customers/{customer_id}#merge", status_code=303)
    source_id = _whole(source.strip())
    another = N_("Nothing was merged: give the number of another customer.")
    if source_id is None:
        flash(request, another, level="danger")
        return back
    try:
        merging.merge_customers(
            session,
            workspace_id=workspace_id,
            target_id=customer_id,
            source_id=source_id,
            actor=principal.actor,
        )
    except merging.InvalidMerge:
        flash(request, another, level="danger")
    except CustomerNotFound:  # the target was found above: the duplicate is missing
        flash(
            request,
            N_("Nothing was merged: there is no customer %(number)s."),
            level="danger",
            number=source_id,
        )
    else:
        flash(request, N_("Customer %(number)s was merged into this one."), number=source_id)
    return back


@router.post("/{customer_id}/merges/{merge_id}/undo")
def undo_merge(
    request: Request,
    session: DbSession,
    principal: ManageCustomers,
    customer_id: int,
    merge_id: int,
) -> Response:
    """Separate a merged customer again, under its old number."""
    workspace_id = principal.workspace_id
    record = merging.get_merge(session, workspace_id=workspace_id, merge_id=merge_id)
    if record.target_customer_id != customer_id:
        raise merging.MergeNotFound(N_("Merge not found."))
    try:
        merging.unmerge(
            session, workspace_id=workspace_id, merge_id=merge_id, actor=principal.actor
        )
    except merging.InvalidMerge as refused:  # already undone: refused before any write
        flash(request, refused.message, level="danger", **refused.params)
    else:
        flash(
            request,
            N_("The merge was undone: customer %(number)s is separate again."),
            number=record.source_customer_id,
        )
    return RedirectResponse(f"/customers/{customer_id}#merge", status_code=303)


@router.get("/{customer_id}/export.zip")
def export_archive(session: DbSession, principal: CustomerPrivacy, customer_id: int) -> Response:
    document = privacy.export_customer(
        session, workspace_id=principal.workspace_id, customer_id=customer_id, actor=principal.actor
    )
    return Response(
        privacy.export_archive(document),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.zip"'},
    )


@router.post("/{customer_id}/erase")
def erase(
    request: Request,
    session: DbSession,
    principal: CustomerPrivacy,
    customer_id: int,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    service.get_customer(session, workspace_id=principal.workspace_id, customer_id=customer_id)
    if confirm.strip() != str(customer_id):
        flash(
            request,
            N_("Nothing was erased: type the customer number %(number)s to confirm."),
            level="danger",
            number=customer_id,
        )
        return RedirectResponse(f"/customers/{customer_id}#erase", status_code=303)
    privacy.erase_customer(
        session, workspace_id=principal.workspace_id, customer_id=customer_id, actor=principal.actor
    )
    flash(request, N_("Customer %(number)s was erased."), number=customer_id)
    return RedirectResponse("/customers", status_code=303)
