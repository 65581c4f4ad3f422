"""Rendering pages: the shared context every template gets, flash messages, error pages."""

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from nabd.api.access import Principal, csrf_token
from nabd.api.database import refuse_writes
from nabd.core.i18n import direction, translations_for
from nabd.web.locale import request_display, request_locale
from nabd.web.navigation import visible_to

FLASH_KEY = "flash"


def flash(request: Request, message: str, *, level: str = "success", **params: Any) -> None:
    """Queue a message (catalogue id) for the next page this browser renders."""
    queued = list(request.session.get(FLASH_KEY, []))
    queued.append({"level": level, "message": message, "params": params})
    request.session[FLASH_KEY] = queued


def _pop_flashes(request: Request, locale: str) -> list[dict[str, str]]:
    translations = translations_for(locale)
    flashes = []
    for item in request.session.pop(FLASH_KEY, []):
        text = translations.gettext(item["message"])
        if item["params"]:
            text = text % item["params"]
        flashes.append({"level": item["level"], "text": text})
    return flashes


def render_page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page; one answered with an error status commits nothing its request wrote."""
    if status_code >= 400:
        refuse_writes(request)
    locale = request_locale(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    navigation = request.app.state.navigation
    page_context = {
        "request": request,
        "locale": locale,
        "direction": direction(locale),
        "display": request_display(request, locale),
        "principal": principal,
        "navigation": visible_to(principal, navigation) if principal else [],
        "workspaces": principal.workspace_choices if principal else (),
        "time_zone": principal.workspace.time_zone if principal else "UTC",
        "csrf_token": csrf_token(request),
        "flashes": _pop_flashes(request, locale),
        "current_path": request.url.path,
        **(context or {}),
    }
    html = request.app.state.templates.get_template(template).render(page_context)
    return HTMLResponse(html, status_code=status_code)


def render_error_page(request: Request, *, status_code: int, message: str) -> HTMLResponse:
    return render_page(
        request,
        "errors/error.html",
        {"status_code": status_code, "message": message},
        status_code=status_code,
    )
