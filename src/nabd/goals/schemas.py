"""Pydantic shapes of goals for the API and the goal form.

Types only; the rules that need the metric or the workspace (range, end after start, owner is
a member …) live in `service.py`, so that the API and the form refuse the same things.
"""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from nabd.goals.forecast import GoalStatus
from nabd.goals.targets import TargetKind

Name = Annotated[str, Field(min_length=1, max_length=200)]
Amount = Annotated[float, Field(allow_inf_nan=False)]


class GoalIn(BaseModel):
    """A new goal; without `baseline` nabd measures the metric over the period of the same
    length just before `start_date`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    metric: str
    channel_id: int | None = None
    touchpoint_id: int | None = None
    survey_id: int | None = None
    segment_id: int | None = None
    baseline: Amount | None = None
    target_kind: TargetKind = TargetKind.VALUE
    target_amount: Amount
    start_date: date
    end_date: date
    owner_id: int


class GoalPatch(BaseModel):
    """Fields to change; the result is checked as a whole, like a new goal."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    metric: str | None = None
    channel_id: int | None = None
    touchpoint_id: int | None = None
    survey_id: int | None = None
    segment_id: int | None = None
    baseline: Amount | None = None
    target_kind: TargetKind | None = None
    target_amount: Amount | None = None
    start_date: date | None = None
    end_date: date | None = None
    owner_id: int | None = None


class OwnerOut(BaseModel):
    id: int
    display_name: str


class ScopeOut(BaseModel):
    channel_id: int | None
    touchpoint_id: int | None
    survey_id: int | None
    segment_id: int | None


class TargetOut(BaseModel):
    kind: TargetKind
    amount: float
    value: float = Field(description="The absolute value aimed at.")


class PointOut(BaseModel):
    start: date
    end: date = Field(description="The first day after the bucket.")
    value: float | None
    n: int


class ForecastOut(BaseModel):
    intercept: float
    slope_per_day: float
    projected: float = Field(description="The trend line's value at the end of the period.")


class ProgressOut(BaseModel):
    status: GoalStatus
    current: float | None = Field(description="The metric over the period so far.")
    n: int
    progress: float | None = Field(description="0 at the baseline, 1 at the target.")
    forecast: ForecastOut | None
    series: list[PointOut]


class GoalOut(BaseModel):
    id: int
    name: str
    metric: str
    scope: ScopeOut
    baseline: float
    target: TargetOut
    start_date: date
    end_date: date
    owner: OwnerOut | None
    archived: bool
    progress: ProgressOut
    created_at: datetime
    updated_at: datetime
