"""Request and response shapes of the text-analysis API."""

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXTS = 1000
MAX_TEXT_LENGTH = 20_000


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    texts: list[Annotated[str, Field(max_length=MAX_TEXT_LENGTH)]] = Field(
        min_length=1, max_length=MAX_TEXTS
    )


class AnalyzeResponse(BaseModel):
    results: list[dict[str, Any]]
