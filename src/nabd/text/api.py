"""`POST /api/v1/text/analyze`: annotate texts on demand, without storing them."""

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool

from nabd.api.access import Principal, require
from nabd.text.pipeline import analyze
from nabd.text.schemas import AnalyzeRequest, AnalyzeResponse
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1/text", tags=["text"])


@router.post("/analyze")
async def analyze_texts(
    body: AnalyzeRequest,
    principal: Annotated[Principal, Depends(require(Permission.TEXT_ANALYZE))],
) -> AnalyzeResponse:
    """Language, sentiment, topics, intent, emotion and key phrases, in the input order."""
    # The models are CPU-bound; keep the event loop free for other requests.
    annotations = await run_in_threadpool(analyze, body.texts)
    return AnalyzeResponse(results=[annotation.as_dict() for annotation in annotations])
