"""Event triggers: "when event T arrives for a customer, invite them to survey S by channel C
after D minutes", with a sampling rate.

The scanner reads each trigger's new events from its own watermark (the highest event id it
has looked at, stored on the trigger), so it resumes where it stopped after a restart and never
hooks into ingestion. A unique constraint on (trigger, event) makes a second look at the same
event harmless. Never commits: `scan_all` opens one transaction per trigger.
"""

import hashlib
from datetime import datetime, timedelta
from itertools import takewhile

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.events.models import Event
from nabd.surveys.delivery import OpenTransaction
from nabd.surveys.distribution_schemas import TriggerIn
from nabd.surveys.errors import TriggerNotFound
from nabd.surveys.invitations import add_invitation, invitation_language
from nabd.surveys.models import Survey, SurveyTrigger
from nabd.surveys.responses import channel_keys
from nabd.surveys.service import get_survey

SCAN_BATCH = 1000
# An event id is taken when the row is inserted, but the row is seen only once its transaction
# commits, so a long ingestion transaction can commit ids below ones already scanned. The
# watermark only passes events received at least this long ago: an event is lost only if its
# ingestion transaction stayed open longer than this.
SETTLE = timedelta(seconds=60)


def is_sampled(*, trigger_id: int, customer_id: int, event_id: int, percent: int) -> bool:
    """Whether this customer's event falls in the sample: the same answer on every retry."""
    if percent >= 100:
        return True
    digest = hashlib.sha256(f"{trigger_id}:{customer_id}:{event_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < percent * 100


def _latest_event_id(session: Session, *, workspace_id: int) -> int:
    # The events domain offers no "latest id" read; this is a read of its table only.
    latest = session.scalar(select(func.max(Event.id)).where(Event.workspace_id == workspace_id))
    return int(latest or 0)


def create_trigger(
    session: Session,
    *,
    workspace_id: int,
    survey_id: int,
    data: TriggerIn,
    actor: Actor,
    now: datetime | None = None,
) -> SurveyTrigger:
    """A new trigger reacts to events arriving from now on, not to the history."""
    survey = get_survey(session, workspace_id=workspace_id, survey_id=survey_id)
    trigger = SurveyTrigger(
        workspace_id=workspace_id,
        survey_id=survey.id,
        event_type=data.event_type,
        channel=data.channel,
        delay_minutes=data.delay_minutes,
        sampling_percent=data.sampling_percent,
        reminder_days=data.reminder_days,
        active=True,
        last_event_id=_latest_event_id(session, workspace_id=workspace_id),
        created_at=now or utcnow(),
    )
    session.add(trigger)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="survey.trigger_create",
        object_type="survey_trigger",
        object_id=trigger.id,
        details={"survey_id": survey.id, **data.model_dump()},
    )
    return trigger


def list_triggers(session: Session, *, workspace_id: int, survey_id: int) -> list[SurveyTrigger]:
    return list(
        session.scalars(
            select(SurveyTrigger)
            .where(SurveyTrigger.workspace_id == workspace_id, SurveyTrigger.survey_id == survey_id)
            .order_by(SurveyTrigger.id)
        )
    )


def get_trigger(
    session: Session, *, workspace_id: int, survey_id: int, trigger_id: int
) -> SurveyTrigger:
    trigger = session.scalar(
        select(SurveyTrigger).where(
            SurveyTrigger.workspace_id == workspace_id,
            SurveyTrigger.survey_id == survey_id,
            SurveyTrigger.id == trigger_id,
        )
    )
    if trigger is None:
        raise TriggerNotFound(N_("Trigger not found."))
    return trigger


def set_trigger_active(
    session: Session,
    *,
    workspace_id: int,
    survey_id: int,
    trigger_id: int,
    active: bool,
    actor: Actor,
) -> SurveyTrigger:
    """Pause or resume. A resumed trigger skips the events that arrived while it was paused."""
    trigger = get_trigger(
        session, workspace_id=workspace_id, survey_id=survey_id, trigger_id=trigger_id
    )
    if active and not trigger.active:
        trigger.last_event_id = _latest_event_id(session, workspace_id=workspace_id)
    trigger.active = active
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="survey.trigger_resume" if active else "survey.trigger_pause",
        object_type="survey_trigger",
        object_id=trigger.id,
    )
    return trigger


def _schedule(
    session: Session,
    *,
    trigger: SurveyTrigger,
    survey: Survey,
    event: Event,
    channel_id: int | None,
) -> bool:
    assert event.customer_id is not None
    try:
        with session.begin_nested():
            add_invitation(
                session,
                survey=survey,
                customer_id=event.customer_id,
                channel=trigger.channel,
                channel_id=channel_id,
                language=invitation_language(
                    session,
                    workspace_id=trigger.workspace_id,
                    customer_id=event.customer_id,
                    wanted=None,
                ),
                due_at=event.occurred_at + timedelta(minutes=trigger.delay_minutes),
                now=event.occurred_at,
                reminder_days=trigger.reminder_days,
                trigger_id=trigger.id,
                event_id=event.id,
            )
    except IntegrityError:
        return False  # already scheduled for this event, by an earlier or concurrent scan
    return True


def scan_trigger(
    session: Session, *, trigger: SurveyTrigger, now: datetime, limit: int = SCAN_BATCH
) -> int:
    """Schedule invitations for the trigger's new events; returns how many were scheduled.

    Events of anonymous visitors, events that happened before the trigger existed (imported
    history) and events outside the sample are passed over. While the survey is not open,
    events are passed over too, so opening it later does not invite for old events. Events
    received less than `SETTLE` ago wait for the next scan (see `SETTLE`).
    """
    settled = now - SETTLE
    events = list(
        session.scalars(
            select(Event)
            .where(
                Event.workspace_id == trigger.workspace_id,
                Event.type == trigger.event_type,
                Event.id > trigger.last_event_id,
            )
            .order_by(Event.id)
            .limit(limit)
        )
    )
    events = list(takewhile(lambda event: event.received_at <= settled, events))
    if not events:
        return 0
    survey = get_survey(session, workspace_id=trigger.workspace_id, survey_id=trigger.survey_id)
    channel_id = channel_keys(session, workspace_id=trigger.workspace_id).get(trigger.channel)
    scheduled = 0
    for event in events:
        if (
            survey.status == "active"
            and event.customer_id is not None
            and event.occurred_at >= trigger.created_at
            and is_sampled(
                trigger_id=trigger.id,
                customer_id=event.customer_id,
                event_id=event.id,
                percent=trigger.sampling_percent,
            )
        ):
            scheduled += _schedule(
                session, trigger=trigger, survey=survey, event=event, channel_id=channel_id
            )
    trigger.last_event_id = events[-1].id
    return scheduled


def active_trigger_ids(session: Session) -> list[int]:
    """Every active trigger in every workspace: the scanner's work list."""
    return list(
        session.scalars(
            select(SurveyTrigger.id).where(SurveyTrigger.active).order_by(SurveyTrigger.id)
        )
    )


def scan_all(
    open_transaction: OpenTransaction, *, now: datetime, batches_per_trigger: int = 10
) -> int:
    """Run every active trigger's scan, one transaction per batch; returns invitations made."""
    with open_transaction() as session:
        trigger_ids = active_trigger_ids(session)
    scheduled = 0
    for trigger_id in trigger_ids:
        for _ in range(batches_per_trigger):
            with open_transaction() as session:
                trigger = session.get(SurveyTrigger, trigger_id, with_for_update=True)
                if trigger is None or not trigger.active:
                    break
                before = trigger.last_event_id
                scheduled += scan_trigger(session, trigger=trigger, now=now)
                if trigger.last_event_id == before:
                    break
    return scheduled
