"""Liveness and readiness probes for load balancers and orchestrators."""

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from nabd.api.access import public
from nabd.core.migrations import is_up_to_date

router = APIRouter(tags=["health"], dependencies=[Depends(public)])


@router.get("/healthz")
def liveness() -> dict[str, str]:
    """The process is up; says nothing about its dependencies."""
    return {"status": "ok"}


@router.get("/readyz")
def readiness(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is at the latest migration."""
    engine = request.app.state.engine
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        migrated = is_up_to_date(engine)
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    if not migrated:
        return JSONResponse(
            {"status": "unavailable", "database": "ok", "migrations": "pending"}, 503
        )
    return JSONResponse({"status": "ready", "database": "ok", "migrations": "current"})
