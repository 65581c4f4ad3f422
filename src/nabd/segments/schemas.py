"""Pydantic shapes of segments for the API and the segment form.

Types only; the definition is checked by `definition.parse_definition` in the service, so the
API and the form refuse the same things with the same field paths.
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2000)]


class SegmentIn(BaseModel):
    """A new segment: its names, what it is for, and its definition (see docs/segments.md)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_ar: Name
    name_en: Name
    description: Description = ""
    definition: dict[str, Any]


class SegmentPatch(BaseModel):
    """Fields to change; a changed definition is checked and the membership refreshed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name_ar: Name | None = None
    name_en: Name | None = None
    description: Description | None = None
    definition: dict[str, Any] | None = None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    definition: dict[str, Any]


class PreviewOut(BaseModel):
    size: int


class SegmentOut(BaseModel):
    id: int
    name_ar: str
    name_en: str
    description: str
    definition: dict[str, Any]
    size: int | None = Field(description="Members at the last refresh.")
    refreshed_at: datetime | None = Field(description="When the membership was last computed.")
    created_at: datetime
    updated_at: datetime
