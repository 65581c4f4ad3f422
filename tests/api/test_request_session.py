"""The request's session commits what a handler wrote when it answers, and nothing when the
answer is a refusal: a page re-shown with 4xx, or an exception."""

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.api.access import public
from nabd.api.database import DbSession
from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry, record_audit
from nabd.web.pages import render_error_page, render_page
from tests.factories import make_workspace

ACTION = "test.request_session"


def _add_writing_page(app: FastAPI, workspace_id: int) -> None:
    """A page that writes an audit row, then answers with the status it is asked for."""

    def page(request: Request, session: DbSession, status: int) -> HTMLResponse:
        record_audit(
            session,
            workspace_id=workspace_id,
            actor=SYSTEM_ACTOR,
            action=ACTION,
            object_type="test",
        )
        session.flush()
        if status == 500:
            raise RuntimeError("the handler failed after writing")
        if status >= 400:
            return render_error_page(request, status_code=status, message="refused")
        return render_page(request, "errors/error.html", {"status_code": 200, "message": "ok"})

    app.add_api_route("/test/writing-page", page, dependencies=[Depends(public)])


def _stored(session: Session) -> int:
    session.expire_all()
    count = select(func.count()).select_from(AuditLogEntry).where(AuditLogEntry.action == ACTION)
    return session.scalar(count) or 0


@pytest.mark.parametrize(("status", "kept"), [(200, 1), (422, 0), (409, 0)])
def test_a_page_commits_its_writes_unless_it_refuses(
    app: FastAPI, session: Session, status: int, kept: int
) -> None:
    _add_writing_page(app, make_workspace(session).id)
    with TestClient(app) as client:
        reply = client.get("/test/writing-page", params={"status": status})
    assert reply.status_code == status
    assert _stored(session) == kept


def test_a_handler_that_fails_after_writing_commits_nothing(app: FastAPI, session: Session) -> None:
    _add_writing_page(app, make_workspace(session).id)
    with TestClient(app, raise_server_exceptions=False) as client:
        reply = client.get("/test/writing-page", params={"status": 500})
    assert reply.status_code == 500
    assert _stored(session) == 0
