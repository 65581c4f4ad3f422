"""Pydantic shapes of journeys for the API and the journey form.

Types only; the rules that need the workspace (known touchpoints, one stage per touchpoint
in a journey, stage ids of this journey) live in `service.py`, so the API and the form refuse
the same things.
"""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, max_length=150)]
TouchpointKey = Annotated[str, Field(min_length=1, max_length=80)]
MAX_STAGES = 30


class StageIn(BaseModel):
    """A stage in journey order; `id` keeps an existing stage (and its id) when editing."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: int | None = None
    name_ar: Name
    name_en: Name
    touchpoints: list[TouchpointKey] = Field(default_factory=list, max_length=500)


class JourneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_ar: Name
    name_en: Name
    stages: list[StageIn] = Field(default_factory=list, max_length=MAX_STAGES)


class JourneyPatch(BaseModel):
    """Fields to change; `stages`, when given, is the whole new list (stages left out go)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_ar: Name | None = None
    name_en: Name | None = None
    stages: list[StageIn] | None = Field(default=None, max_length=MAX_STAGES)


class StageOut(BaseModel):
    id: int
    position: int = Field(description="1 for the first stage of the journey.")
    name_ar: str
    name_en: str
    touchpoints: list[str] = Field(description="Keys of the touchpoints in this stage.")


class JourneyOut(BaseModel):
    id: int
    name_ar: str
    name_en: str
    stages: list[StageOut]
    created_at: datetime
    updated_at: datetime
