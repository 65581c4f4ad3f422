"""Signing in and out, and choosing the interface language and workspace."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nabd.api.access import Principal, check_csrf, public, require
from nabd.api.database import DbSession
from nabd.core.audit import Actor, record_audit
from nabd.core.errors import PermissionDenied
from nabd.core.i18n import N_, coerce_locale
from nabd.core.security import new_csrf_token
from nabd.web.locale import LANGUAGE_COOKIE
from nabd.web.pages import flash, render_page
from nabd.workspaces import service
from nabd.workspaces.errors import InvalidCredentials
from nabd.workspaces.roles import Permission

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _remember_language(response: Response, request: Request, language: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=LANGUAGE_COOKIE_MAX_AGE,
        samesite="lax",
        httponly=True,
        secure=request.app.state.settings.secure_cookies,
    )


def _login_page(
    request: Request,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    response = render_page(
        request,
        "workspaces/login.html",
        {"next_path": next_path, "email": email, "error": error},
        status_code=status_code,
    )
    chosen = coerce_locale(request.query_params.get("lang"))
    if chosen:
        _remember_language(response, request, chosen)
    return response


@router.get("/login", dependencies=[Depends(public)])
def login_form(request: Request, next: str | None = None) -> Response:
    if isinstance(request.session.get("user_id"), int):
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next_path=safe_next(next))


@router.post("/login", dependencies=[Depends(public)])
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    settings = request.app.state.settings
    limiter = request.app.state.rate_limiter
    client = request.client.host if request.client else "unknown"
    if not (
        limiter.hit(settings.login_rate_limit, "login-ip", client)
        and limiter.hit(settings.login_rate_limit, "login-email", email.strip().lower())
    ):
        return _login_page(
            request,
            next_path=safe_next(next),
            email=email,
            status_code=429,
            error=N_("Too many sign-in attempts. Wait a minute and try again."),
        )
    try:
        user = service.authenticate_user(session, email=email, password=password)
    except InvalidCredentials as error:
        return _login_page(
            request, next_path=safe_next(next), email=email, error=error.message, status_code=401
        )
    membership = service.list_active_memberships_of_user(session, user_id=user.id)[0]
    record_audit(
        session,
        workspace_id=membership.workspace_id,
        actor=Actor(kind="user", id=user.id, label=user.email),
        action="user.login",
        object_type="user",
        object_id=user.id,
        details={"ip": client},
    )
    # A new session on every sign-in, so a planted cookie is worth nothing afterwards.
    request.session.clear()
    request.session.update(
        {"user_id": user.id, "workspace_id": membership.workspace_id, "csrf": new_csrf_token()}
    )
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(require(Permission.WORKSPACE_READ))])
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/preferences/language")
def set_language(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))],
    language: Annotated[str, Form()] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    chosen = coerce_locale(language)
    response = RedirectResponse(safe_next(next), status_code=303)
    if chosen and principal.user is not None:
        service.set_user_language(
            session,
            user_id=principal.user.id,
            language=chosen,
            actor=principal.actor,
            workspace_id=principal.workspace_id,
        )
        _remember_language(response, request, chosen)
    return response


@router.post("/preferences/workspace")
def switch_workspace(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.WORKSPACE_READ))],
    workspace_id: Annotated[int, Form()],
) -> Response:
    assert principal.user is not None
    membership = service.find_active_membership(
        session, workspace_id=workspace_id, user_id=principal.user.id
    )
    if membership is None:
        raise PermissionDenied(N_("You are not a member of that workspace."))
    request.session["workspace_id"] = workspace_id
    flash(request, N_("Switched workspace."))
    return RedirectResponse("/", status_code=303)
