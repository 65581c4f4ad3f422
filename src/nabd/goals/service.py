"""Goals: create, read, change, archive; every rule a goal must meet is checked here.

Never commits.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.config import Settings
from nabd.core.audit import Actor, record_audit
from nabd.core.errors import ErrorDetail
from nabd.core.i18n import N_
from nabd.core.pagination import Page, PageRequest, paginate
from nabd.core.types import utcnow
from nabd.goals import progress
from nabd.goals.errors import GoalNotFound, InvalidGoal
from nabd.goals.models import Goal
from nabd.goals.schemas import GoalIn, GoalPatch
from nabd.goals.targets import GOAL_METRICS, resolve_target
from nabd.journeys import service as journeys
from nabd.metrics.errors import InvalidMetricQuery
from nabd.segments import service as segments
from nabd.surveys import service as surveys
from nabd.surveys.errors import SurveyNotFound
from nabd.workspaces import service as workspaces

INVALID = N_("The goal is not valid.")
# GoalPatch fields that may be left out but not set to null.
REQUIRED_FIELDS = (
    "name",
    "metric",
    "target_kind",
    "target_amount",
    "start_date",
    "end_date",
    "owner_id",
)
# The metrics engine names its filters by key; the goal API by id.
_ENGINE_FIELDS = {"channel": "channel_id", "touchpoint": "touchpoint_id"}


def get_goal(session: Session, *, workspace_id: int, goal_id: int) -> Goal:
    goal = session.scalar(select(Goal).where(Goal.workspace_id == workspace_id, Goal.id == goal_id))
    if goal is None:
        raise GoalNotFound(N_("Goal not found."))
    return goal


def list_goals(
    session: Session, *, workspace_id: int, page: PageRequest, include_archived: bool = False
) -> Page[Goal]:
    statement = select(Goal).where(Goal.workspace_id == workspace_id)
    if not include_archived:
        statement = statement.where(Goal.archived_at.is_(None))
    return paginate(session, statement, id_column=Goal.id, page=page)


def active_goals(session: Session, *, workspace_id: int) -> list[Goal]:
    """Goals not archived, soonest deadline first."""
    return list(
        session.scalars(
            select(Goal)
            .where(Goal.workspace_id == workspace_id, Goal.archived_at.is_(None))
            .order_by(Goal.end_date, Goal.id)
        )
    )


def create_goal(
    session: Session,
    *,
    workspace_id: int,
    data: GoalIn,
    actor: Actor,
    settings: Settings | None = None,
) -> Goal:
    """A new goal; `settings` reach the metrics engine, which measures the default baseline."""
    checked = _checked(session, workspace_id=workspace_id, data=data, settings=settings)
    goal = Goal(workspace_id=workspace_id)
    _apply(goal, checked)
    session.add(goal)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="goal.create",
        object_type="goal",
        object_id=goal.id,
        details={"name": goal.name, "metric": goal.metric},
    )
    return goal


def update_goal(
    session: Session,
    *,
    workspace_id: int,
    goal_id: int,
    changes: GoalPatch,
    actor: Actor,
    settings: Settings | None = None,
) -> Goal:
    """Apply `changes`; nulls clear the scope fields, and the result is checked as a whole."""
    goal = get_goal(session, workspace_id=workspace_id, goal_id=goal_id)
    changed = changes.model_dump(exclude_unset=True)
    cleared = [field for field in REQUIRED_FIELDS if field in changed and changed[field] is None]
    if cleared:
        reason = N_("This field is required.")
        raise InvalidGoal(INVALID, details=[ErrorDetail(field, reason) for field in cleared])
    merged = {**as_input(goal), **changed}
    checked = _checked(
        session,
        workspace_id=workspace_id,
        data=GoalIn.model_validate(merged),
        settings=settings,
    )
    _apply(goal, checked)
    goal.updated_at = utcnow()
    session.flush()
    # The owner, channel … relationships still hold the objects loaded before the change.
    session.expire(goal, ["owner", "channel", "touchpoint", "survey"])
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="goal.update",
        object_type="goal",
        object_id=goal.id,
        details={"fields": sorted(changes.model_fields_set)},
    )
    return goal


def archive_goal(session: Session, *, workspace_id: int, goal_id: int, actor: Actor) -> Goal:
    """Hide the goal from lists and the job; its history stays. Archiving twice is a no-op."""
    goal = get_goal(session, workspace_id=workspace_id, goal_id=goal_id)
    if goal.archived_at is None:
        goal.archived_at = utcnow()
        goal.updated_at = goal.archived_at
        record_audit(
            session,
            workspace_id=workspace_id,
            actor=actor,
            action="goal.archive",
            object_type="goal",
            object_id=goal.id,
        )
    return goal


def as_input(goal: Goal) -> dict[str, object]:
    """The goal as the fields of GoalIn, for merging changes and filling the edit form."""
    return {
        "name": goal.name,
        "metric": goal.metric,
        "channel_id": goal.channel_id,
        "touchpoint_id": goal.touchpoint_id,
        "survey_id": goal.survey_id,
        "segment_id": goal.segment_id,
        "baseline": goal.baseline,
        "target_kind": goal.target_kind,
        "target_amount": goal.target_amount,
        "start_date": goal.start_date,
        "end_date": goal.end_date,
        "owner_id": goal.owner_id,
    }


def _apply(goal: Goal, data: GoalIn) -> None:
    goal.name = data.name
    goal.metric = data.metric
    goal.channel_id = data.channel_id
    goal.touchpoint_id = data.touchpoint_id
    goal.survey_id = data.survey_id
    goal.segment_id = data.segment_id
    assert data.baseline is not None  # _checked fills it in
    goal.baseline = data.baseline
    goal.target_kind = data.target_kind.value
    goal.target_amount = data.target_amount
    goal.start_date = data.start_date
    goal.end_date = data.end_date
    goal.owner_id = data.owner_id


def _checked(
    session: Session, *, workspace_id: int, data: GoalIn, settings: Settings | None
) -> GoalIn:
    """`data` with its baseline filled in, or InvalidGoal naming every field that is wrong."""
    details = _reference_problems(session, workspace_id=workspace_id, data=data)
    metric = GOAL_METRICS.get(data.metric)
    if metric is None:
        details.append(ErrorDetail("metric", N_("Not a metric a goal can track.")))
    if data.end_date <= data.start_date:
        details.append(ErrorDetail("end_date", N_("Must be after the start date.")))
    if details or metric is None:
        raise InvalidGoal(INVALID, details=details)
    baseline = data.baseline
    measured = _previous_value(session, workspace_id=workspace_id, data=data, settings=settings)
    if baseline is None:
        baseline = measured
        if baseline is None:
            reason = N_("No data in the period before the start date; enter a baseline.")
            raise InvalidGoal(INVALID, details=[ErrorDetail("baseline", reason)])
    low, high = metric.value_range
    bounds = {"low": _plain(low), "high": _plain(high)}
    if not low <= baseline <= high:
        reason = N_("Must be between %(low)s and %(high)s.")
        raise InvalidGoal(INVALID, details=[ErrorDetail("baseline", reason, bounds)])
    target = resolve_target(kind=data.target_kind, amount=data.target_amount, baseline=baseline)
    if not low <= target <= high:
        reason = N_("The target must be between %(low)s and %(high)s.")
        raise InvalidGoal(INVALID, details=[ErrorDetail("target_amount", reason, bounds)])
    if target == baseline:
        reason = N_("The target must differ from the baseline.")
        raise InvalidGoal(INVALID, details=[ErrorDetail("target_amount", reason)])
    return data.model_copy(update={"baseline": baseline})


def _reference_problems(session: Session, *, workspace_id: int, data: GoalIn) -> list[ErrorDetail]:
    details = []
    member_ids = {
        membership.user_id
        for membership in workspaces.list_all_members(session, workspace_id=workspace_id)
        if membership.is_active
    }
    if data.owner_id not in member_ids:
        details.append(ErrorDetail("owner_id", N_("Not a member of this workspace.")))
    if data.channel_id is not None and (
        journeys.get_channel(session, workspace_id=workspace_id, channel_id=data.channel_id) is None
    ):
        details.append(ErrorDetail("channel_id", N_("Unknown channel.")))
    if data.touchpoint_id is not None and data.touchpoint_id not in {
        touchpoint.id for touchpoint in surveys.list_touchpoints(session, workspace_id=workspace_id)
    }:
        details.append(ErrorDetail("touchpoint_id", N_("Unknown touchpoint.")))
    if data.survey_id is not None:
        try:
            surveys.get_survey(session, workspace_id=workspace_id, survey_id=data.survey_id)
        except SurveyNotFound:
            details.append(ErrorDetail("survey_id", N_("Unknown survey.")))
    if data.segment_id is not None and not segments.segment_exists(
        session, workspace_id=workspace_id, segment_id=data.segment_id
    ):
        details.append(ErrorDetail("segment_id", N_("Unknown segment.")))
    return details


def _previous_value(
    session: Session, *, workspace_id: int, data: GoalIn, settings: Settings | None
) -> float | None:
    """The metric in the slice over the period before the goal's; also proves the engine
    accepts the slice for this metric (churn, for one, cannot be cut by channel)."""
    start, end = progress.previous_period(data.start_date, data.end_date)
    scope = progress.Scope(
        channel=_key_of_channel(session, workspace_id=workspace_id, channel_id=data.channel_id),
        touchpoint=_key_of_touchpoint(
            session, workspace_id=workspace_id, touchpoint_id=data.touchpoint_id
        ),
        survey_id=data.survey_id,
        segment_id=data.segment_id,
    )
    try:
        value, _n = progress.measure(
            session,
            workspace_id=workspace_id,
            metric=data.metric,
            scope=scope,
            start=start,
            end=end,
            settings=settings,
        )
    except InvalidMetricQuery as error:
        details = [
            ErrorDetail(_ENGINE_FIELDS.get(detail.field, detail.field), detail.reason)
            for detail in error.details
        ]
        raise InvalidGoal(INVALID, details=details) from error
    return value


def _key_of_channel(session: Session, *, workspace_id: int, channel_id: int | None) -> str | None:
    if channel_id is None:
        return None
    channel = journeys.get_channel(session, workspace_id=workspace_id, channel_id=channel_id)
    return channel.key if channel else None


def _key_of_touchpoint(
    session: Session, *, workspace_id: int, touchpoint_id: int | None
) -> str | None:
    for touchpoint in surveys.list_touchpoints(session, workspace_id=workspace_id):
        if touchpoint.id == touchpoint_id:
            return touchpoint.key
    return None


def _plain(number: float) -> str:
    return f"{number:g}"
