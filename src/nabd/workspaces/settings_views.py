"""Settings pages for admins: the workspace, its members, API tokens and the audit log."""

from typing import Annotated, Any

import phonenumbers
from babel import Locale
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from nabd.api.access import Principal, check_csrf, require
from nabd.api.database import DbSession
from nabd.core.errors import NabdError
from nabd.core.i18n import N_, gettext
from nabd.web.form_errors import field_errors
from nabd.web.locale import request_locale
from nabd.web.navigation import NavItem
from nabd.web.pages import flash, render_page
from nabd.workspaces import service, tokens
from nabd.workspaces.roles import Permission, Role
from nabd.workspaces.schemas import TokenCreate, UserCreate, WorkspacePatch

router = APIRouter(prefix="/settings", dependencies=[Depends(check_csrf)], include_in_schema=False)

NAV_ITEMS = (NavItem("settings", N_("Settings"), "/settings", Permission.SETTINGS_MANAGE),)

ManageSettings = Annotated[Principal, Depends(require(Permission.SETTINGS_MANAGE))]
ManageUsers = Annotated[Principal, Depends(require(Permission.USERS_MANAGE))]
ManageTokens = Annotated[Principal, Depends(require(Permission.TOKENS_MANAGE))]
ReadAudit = Annotated[Principal, Depends(require(Permission.AUDIT_READ))]


@router.get("")
def settings_home(principal: ManageSettings) -> Response:
    return RedirectResponse("/settings/workspace", status_code=303)


def _phone_regions(locale: str) -> list[tuple[str, str]]:
    """(code, country name in the reader's language) for every region phonenumbers knows."""
    names = Locale.parse(locale).territories
    return sorted(
        ((code, names.get(code, code)) for code in phonenumbers.SUPPORTED_REGIONS),
        key=lambda option: option[1],
    )


def _workspace_page(
    request: Request, form: Any, errors: dict[str, str], status_code: int = 200
) -> Response:
    return render_page(
        request,
        "workspaces/settings_workspace.html",
        {
            "form": form,
            "errors": errors,
            "phone_regions": _phone_regions(request_locale(request)),
        },
        status_code=status_code,
    )


@router.get("/workspace")
def workspace_form(request: Request, principal: ManageSettings) -> Response:
    return _workspace_page(request, principal.workspace, {})


@router.post("/workspace")
def update_workspace(
    request: Request,
    session: DbSession,
    principal: ManageSettings,
    name: Annotated[str, Form()] = "",
    default_language: Annotated[str, Form()] = "",
    time_zone: Annotated[str, Form()] = "",
    phone_region: Annotated[str, Form()] = "",
) -> Response:
    submitted = {
        "name": name,
        "default_language": default_language,
        "time_zone": time_zone,
        "phone_region": phone_region,
    }
    try:
        # A form without the region (an older page) leaves it as it is.
        changes = WorkspacePatch.model_validate({**submitted, "phone_region": phone_region or None})
    except ValidationError as error:
        return _workspace_page(request, submitted, field_errors(request, error), 422)
    service.update_workspace(
        session, workspace_id=principal.workspace_id, changes=changes, actor=principal.actor
    )
    flash(request, N_("Workspace settings saved."))
    return RedirectResponse("/settings/workspace", status_code=303)


def _users_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    members = service.list_all_members(session, workspace_id=principal.workspace_id)
    return render_page(
        request,
        "workspaces/settings_users.html",
        {"members": members, "roles": list(Role), "form": form or {}, "errors": errors or {}},
        status_code=status_code,
    )


@router.get("/users")
def users_page(request: Request, session: DbSession, principal: ManageUsers) -> Response:
    return _users_page(request, session, principal)


@router.post("/users")
def add_user(
    request: Request,
    session: DbSession,
    principal: ManageUsers,
    email: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    form = {"email": email, "display_name": display_name, "role": role}
    try:
        data = UserCreate.model_validate({**form, "password": password})
        service.add_member(
            session, workspace_id=principal.workspace_id, data=data, actor=principal.actor
        )
    except ValidationError as error:
        return _users_page(
            request,
            session,
            principal,
            form=form,
            errors=field_errors(request, error),
            status_code=422,
        )
    except NabdError as error:
        locale = request_locale(request)
        errors = {detail.field: gettext(locale, detail.reason) for detail in error.details}
        return _users_page(
            request, session, principal, form=form, errors=errors, status_code=error.status_code
        )
    flash(request, N_("Added %(email)s."), email=data.email)
    return RedirectResponse("/settings/users", status_code=303)


@router.post("/users/{membership_id}/role")
def change_role(
    request: Request,
    session: DbSession,
    principal: ManageUsers,
    membership_id: int,
    role: Annotated[Role, Form()],
) -> Response:
    membership = service.change_member_role(
        session,
        workspace_id=principal.workspace_id,
        membership_id=membership_id,
        role=role,
        actor=principal.actor,
    )
    flash(request, N_("Changed the role of %(email)s."), email=membership.user.email)
    return RedirectResponse("/settings/users", status_code=303)


@router.post("/users/{membership_id}/status")
def change_status(
    request: Request,
    session: DbSession,
    principal: ManageUsers,
    membership_id: int,
    active: Annotated[bool, Form()],
) -> Response:
    membership = service.set_member_active(
        session,
        workspace_id=principal.workspace_id,
        membership_id=membership_id,
        active=active,
        actor=principal.actor,
    )
    message = N_("Reactivated %(email)s.") if active else N_("Deactivated %(email)s.")
    flash(request, message, email=membership.user.email)
    return RedirectResponse("/settings/users", status_code=303)


def _tokens_page(
    request: Request,
    session: DbSession,
    principal: Principal,
    *,
    new_token: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render_page(
        request,
        "workspaces/settings_tokens.html",
        {
            "tokens": tokens.list_tokens(session, workspace_id=principal.workspace_id),
            "roles": list(Role),
            "new_token": new_token,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.get("/tokens")
def tokens_page(request: Request, session: DbSession, principal: ManageTokens) -> Response:
    return _tokens_page(request, session, principal)


@router.post("/tokens")
def create_token(
    request: Request,
    session: DbSession,
    principal: ManageTokens,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = TokenCreate.model_validate({"name": name, "role": role})
    except ValidationError as error:
        return _tokens_page(
            request, session, principal, errors=field_errors(request, error), status_code=422
        )
    _token, issued = tokens.create_token(
        session,
        workspace_id=principal.workspace_id,
        data=data,
        actor=principal.actor,
        created_by_user_id=principal.user.id if principal.user else None,
    )
    # The plaintext is rendered into this response only; it is never stored or redirected.
    return _tokens_page(request, session, principal, new_token=issued.plaintext, status_code=201)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, session: DbSession, principal: ManageTokens, token_id: int
) -> Response:
    token = tokens.revoke_token(
        session, workspace_id=principal.workspace_id, token_id=token_id, actor=principal.actor
    )
    flash(request, N_("Revoked the token %(name)s."), name=token.name)
    return RedirectResponse("/settings/tokens", status_code=303)


@router.get("/audit")
def audit_page(request: Request, session: DbSession, principal: ReadAudit) -> Response:
    entries = service.recent_audit_entries(session, workspace_id=principal.workspace_id, limit=200)
    return render_page(request, "workspaces/settings_audit.html", {"entries": entries})
