"""JSON API: `GET /api/v1/metrics/{metric}`, any CX metric for a date range, filtered, grouped."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.core.types import utcnow
from nabd.metrics.engine import GroupBy, MetricName, MetricQuery, compute_metric
from nabd.metrics.schemas import MetricOut
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1", tags=["metrics"])
DEFAULT_DAYS = 30

ReadMetrics = Annotated[Principal, Depends(require(Permission.METRICS_READ))]


@router.get("/metrics/{metric}", response_model=MetricOut)
def get_metric(
    request: Request,
    session: DbSession,
    principal: ReadMetrics,
    metric: Annotated[str, Path(max_length=40, description=f"One of: {', '.join(MetricName)}.")],
    start: Annotated[
        date | None,
        Query(alias="from", description="First UTC day (default: 29 days before `to`)."),
    ] = None,
    end: Annotated[date | None, Query(alias="to", description="Last UTC day, included.")] = None,
    channel: Annotated[str | None, Query(max_length=50, description="Channel key.")] = None,
    touchpoint: Annotated[str | None, Query(max_length=80, description="Touchpoint key.")] = None,
    survey_id: Annotated[int | None, Query(ge=1)] = None,
    segment_id: Annotated[int | None, Query(ge=1)] = None,
    language: Annotated[str | None, Query(pattern="^[a-z]{2}$")] = None,
    group_by: Annotated[GroupBy | None, Query()] = None,
    journey_id: Annotated[
        int | None, Query(ge=1, description="Only the touchpoints of this journey.")
    ] = None,
    stage_id: Annotated[
        int | None, Query(ge=1, description="Only the touchpoints of this journey stage.")
    ] = None,
    attribute: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9_\-]{1,64}$",
            description="Customer attribute key whose values group, with group_by=attribute.",
        ),
    ] = None,
) -> MetricOut:
    """The metric over `from`…`to` (UTC days, both included) with n and its 95 % margin."""
    end = end or utcnow().date()
    query = MetricQuery(
        start=start or end - timedelta(days=DEFAULT_DAYS - 1),
        end=end,
        channel=channel,
        touchpoint=touchpoint,
        survey_id=survey_id,
        segment_id=segment_id,
        language=language,
        group_by=group_by.value if group_by else None,
        journey_id=journey_id,
        stage_id=stage_id,
        attribute=attribute,
    )
    result = compute_metric(
        session,
        workspace_id=principal.workspace_id,
        metric=metric,
        query=query,
        settings=request.app.state.settings,
    )
    return MetricOut.of(result)
