"""The OpenAPI document and its Swagger UI, for signed-in users and token holders only."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse

from nabd.api.access import require
from nabd.workspaces.roles import Permission

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(require(Permission.WORKSPACE_READ))]
)
OPENAPI_PATH = "/api/v1/openapi.json"


@router.get(OPENAPI_PATH)
def openapi_document(request: Request) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/api/docs")
def api_docs(request: Request) -> HTMLResponse:
    # Our own page around the vendored Swagger UI: no CDN, and no inline script for the CSP.
    html = request.app.state.templates.get_template("web/api_docs.html").render(
        openapi_url=OPENAPI_PATH
    )
    return HTMLResponse(html)
