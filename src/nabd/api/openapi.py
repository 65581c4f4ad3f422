"""The OpenAPI document as nabd really behaves: bearer auth and one error envelope."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

ERROR_STATUSES = {
    "401": "Missing, invalid or revoked credentials.",
    "403": "The token's role does not allow this.",
    "422": "The request is not valid; `details` names each field and the reason.",
}


class ErrorDetailOut(BaseModel):
    field: str
    reason: str


class ErrorOut(BaseModel):
    code: str
    message: str
    details: list[ErrorDetailOut]


class ErrorEnvelope(BaseModel):
    error: ErrorOut


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}},
    }


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the bearer scheme and our error shape on every operation."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ErrorDetailOut, ErrorOut, ErrorEnvelope):
        schemas[model.__name__] = model.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "An API token (nabd_…)."}
    }
    for path, operations in document.get("paths", {}).items():
        for operation in operations.values():
            if not path.startswith("/api/"):
                continue
            operation["security"] = [{"bearer": []}]
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                responses[status] = _error_response(description)
    app.openapi_schema = document
    return document
