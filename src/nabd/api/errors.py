"""One place that turns errors into responses: JSON for the API, a page for browsers."""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from nabd.api.access import is_api_request
from nabd.core.errors import NabdError, NotAuthenticated
from nabd.core.i18n import N_, gettext
from nabd.core.validation import describe_errors
from nabd.web.locale import request_locale
from nabd.web.pages import render_error_page

log = structlog.get_logger(__name__)

_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "rate_limited",
}
_STATUS_MESSAGES = {404: N_("Not found."), 405: N_("Method not allowed.")}


def error_body(code: str, message: str, details: list[dict[str, str]]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: list[dict[str, str]],
    headers: Mapping[str, str] | None = None,
) -> Response:
    if is_api_request(request):
        return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)
    return render_error_page(request, status_code=status, message=message)


async def _nabd_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, NabdError)
    if isinstance(error, NotAuthenticated) and not is_api_request(request):
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status_code=303)
    locale = request_locale(request)
    message = (
        gettext(locale, error.message) % error.params
        if error.params
        else gettext(locale, error.message)
    )
    details = [
        {
            "field": detail.field,
            "reason": gettext(locale, detail.reason) % dict(detail.params)
            if detail.params
            else gettext(locale, detail.reason),
        }
        for detail in error.details
    ]
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, NotAuthenticated) else None
    return _respond(request, error.status_code, error.code, message, details, headers)


async def _validation_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    locale = request_locale(request)
    details = describe_errors(error.errors(), locale)
    message = gettext(locale, "The request is not valid.")
    return _respond(request, 422, "validation_error", message, details)


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    code = _STATUS_CODES.get(error.status_code, "error")
    message = gettext(
        request_locale(request), _STATUS_MESSAGES.get(error.status_code, str(error.detail))
    )
    return _respond(request, error.status_code, code, message, [], error.headers)


async def _unexpected_error(request: Request, error: Exception) -> Response:
    log.exception("unhandled error", path=request.url.path)
    message = gettext(request_locale(request), "Something went wrong on our side.")
    return _respond(request, 500, "internal_error", message, [])


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NabdError, _nabd_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
