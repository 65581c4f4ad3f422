"""JSON replies serialised on the handler's worker thread."""

from pydantic import BaseModel
from starlette.responses import Response


def json_reply(model: BaseModel, status_code: int = 200) -> Response:
    """The reply serialised here, on the handler's worker thread: a returned model is
    validated again and serialised by FastAPI on a second hop to a thread, which cost a
    request as much as its own validation. Declare the model as the route's
    `response_model` so the OpenAPI schema still describes the reply."""
    return Response(model.model_dump_json(), status_code, media_type="application/json")
