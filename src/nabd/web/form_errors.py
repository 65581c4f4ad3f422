"""Validation and service errors as the messages a form page shows, in the reader's language.

Every page with a form reports errors the same way: pydantic's through `describe_errors`,
a `NabdError`'s through its details; both are translated with the request's locale.
"""

from collections.abc import Mapping

from fastapi import Request
from pydantic import ValidationError

from nabd.core.errors import NabdError
from nabd.core.i18n import gettext
from nabd.core.validation import describe_errors
from nabd.web.locale import request_locale


def field_errors(request: Request, error: ValidationError) -> dict[str, str]:
    """Field path → translated reason, for forms that show each error beside its input."""
    described = describe_errors(error.errors(), request_locale(request))
    return {item["field"]: item["reason"] for item in described}


def error_messages(
    request: Request,
    error: ValidationError | NabdError,
    *,
    labels: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per problem, for forms that list errors above the form.

    Without `labels` a line starts with the field path; with them, with the field's translated
    label (catalogue id), or with nothing for a field that has no label.
    """
    locale = request_locale(request)

    def line(field: str, reason: str) -> str:
        if labels is None:
            label = field
        else:
            label = gettext(locale, labels[field]) if field in labels else ""
        return f"{label}: {reason}" if label else reason

    if isinstance(error, ValidationError):
        return [
            line(item["field"], item["reason"]) for item in describe_errors(error.errors(), locale)
        ]
    messages = []
    for detail in error.details:
        reason = gettext(locale, detail.reason)
        messages.append(
            line(detail.field, reason % dict(detail.params) if detail.params else reason)
        )
    return messages or [gettext(locale, error.message)]
