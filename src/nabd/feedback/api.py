"""JSON API for customer texts from any channel (reviews, tickets, chats …)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.events.api import batch_result
from nabd.events.batch import validate_items
from nabd.events.schemas import BatchResultOut
from nabd.feedback.ingest import ingest_feedback
from nabd.feedback.schemas import FeedbackBatchIn, FeedbackIn
from nabd.web.locale import request_locale
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["feedback"])


@router.post("/feedback")
def post_feedback(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(Permission.EVENTS_WRITE))],
    batch: FeedbackBatchIn,
) -> BatchResultOut:
    """Up to 1,000 texts, idempotent on (source, external_id)."""
    locale = request_locale(request)
    items, rejected = validate_items(batch.items, FeedbackIn, locale=locale)
    outcome = ingest_feedback(session, workspace_id=principal.workspace_id, items=items)
    outcome.rejected.extend(rejected)
    return batch_result(outcome, locale)
