"""One error type for the whole application, rendered as JSON or as a page by one handler."""

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorDetail:
    """What was wrong with one field. `reason` is a catalogue message id."""

    field: str
    reason: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class NabdError(Exception):
    """Base of every expected failure; subclasses fix the HTTP status and error code.

    `message` is a catalogue message id (English) with optional `%(name)s` params, so the
    handler can answer in the language of whoever reads it.
    """

    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        params: Mapping[str, Any] | None = None,
        details: Sequence[ErrorDetail] = (),
    ) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = dict(params or {})
        self.details = tuple(details)


class NotAuthenticated(NabdError):
    status_code = 401
    code = "not_authenticated"


class PermissionDenied(NabdError):
    status_code = 403
    code = "forbidden"


class NotFound(NabdError):
    status_code = 404
    code = "not_found"


class Conflict(NabdError):
    status_code = 409
    code = "conflict"


class ValidationFailed(NabdError):
    status_code = 422
    code = "validation_error"


class RateLimited(NabdError):
    status_code = 429
    code = "rate_limited"
