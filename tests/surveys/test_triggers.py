"""Event triggers and contact-frequency rules, with time passed in rather than slept through.

The scenario the issue asks for: the right customers are invited, after the delay, at most N
times per window, never twice for the same event, and reminders stop once answered.
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from nabd.config import Settings
from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_session_factory, transaction
from nabd.core.types import utcnow
from nabd.customers import service as customers
from nabd.events.service import add_events
from nabd.jobs.queue import configure_jobs
from nabd.jobs.registry import periodic_task_names
from nabd.surveys import delivery, tasks, triggers
from nabd.surveys.delivery_settings import update_delivery_settings
from nabd.surveys.distribution_schemas import DeliverySettingsIn, TriggerIn
from nabd.surveys.models import Survey, SurveyDistribution, SurveyInvitation, SurveyTrigger
from nabd.workspaces.models import Workspace
from tests.factories import csrf_from, make_workspace
from tests.surveys.factories import make_survey, question_ids
from tests.surveys.receivers import WebhookReceiver, webhook_receiver

SECRET_KEY = "test-secret-key-for-signing-sessions"
PUBLIC_URL = "https://cx.example.com"
OpenTransaction = Callable[[], AbstractContextManager[Session]]
SETTLED = triggers.SETTLE + timedelta(seconds=1)


@pytest.fixture
def open_transaction(engine: Engine) -> OpenTransaction:
    return partial(transaction, create_session_factory(engine))


@pytest.fixture
def provider() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


def _customer(session: Session, workspace: Workspace, name: str, phone: str | None) -> int:
    customer = customers.create_customer(
        session,
        workspace_id=workspace.id,
        display_name=name,
        language="ar",
        attributes={},
        identities=[("phone", phone)] if phone else [("external_id", name)],
    )
    session.commit()
    return customer.id


def _event(
    session: Session, workspace: Workspace, customer_id: int | None, at: datetime, kind: str
) -> None:
    """An event that happened at `at` and was received then too (or now, if `at` is later)."""
    row = {"customer_id": customer_id, "type": kind, "occurred_at": at, "properties": {}}
    add_events(session, workspace_id=workspace.id, rows=[{**row, "received_at": min(at, utcnow())}])
    session.commit()


def _configure(session: Session, workspace: Workspace, provider_url: str) -> None:
    update_delivery_settings(
        session,
        workspace_id=workspace.id,
        data=DeliverySettingsIn(
            webhook_url=provider_url,
            webhook_secret="provider-secret",
            max_invitations=2,
            window_days=7,
            quiet_days=3,
        ),
        secret_key=SECRET_KEY,
        actor=SYSTEM_ACTOR,
    )
    session.commit()


def _trigger(session: Session, survey: Survey, now: datetime) -> SurveyTrigger:
    trigger = triggers.create_trigger(
        session,
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        data=TriggerIn(
            event_type="order_delivered", channel="sms", delay_minutes=120, reminder_days=2
        ),
        actor=SYSTEM_ACTOR,
        now=now,
    )
    session.commit()
    return trigger


def _send(open_transaction: OpenTransaction, now: datetime) -> delivery.SendReport:
    return delivery.send_due(
        open_transaction, now=now, secret_key=SECRET_KEY, public_url=PUBLIC_URL
    )


def _statuses(session: Session, customer_id: int) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(SurveyInvitation.status)
            .where(SurveyInvitation.customer_id == customer_id)
            .order_by(SurveyInvitation.due_at)
        )
    )


def _texts_to(provider: WebhookReceiver, phone: str) -> list[str]:
    return [post.body["message"] for post in provider.posts if post.body["to"] == phone]


def _answer(client: TestClient, session: Session, survey: Survey, customer_id: int) -> None:
    token = session.scalar(
        select(SurveyDistribution.token).where(SurveyDistribution.customer_id == customer_id)
    )
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    answered = client.post(
        f"/s/{token}",
        data={"csrf_token": csrf_from(page.text), f"q{question_ids(survey)['nps']}": "9"},
        follow_redirects=False,
    )
    assert answered.status_code in (200, 303)


def test_triggers_invite_the_right_customers_within_the_rules(
    session: Session,
    client: TestClient,
    open_transaction: OpenTransaction,
    provider: WebhookReceiver,
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    _configure(session, workspace, provider.url)
    t0 = utcnow().replace(microsecond=0)
    _trigger(session, survey, now=t0 - timedelta(minutes=1))
    reached = _customer(session, workspace, "reached", "+966500000001")
    opted_out = _customer(session, workspace, "opted-out", "+966500000002")
    no_phone = _customer(session, workspace, "no-phone", None)
    answers = _customer(session, workspace, "answers", "+966500000003")
    customers.set_contact_preferences(
        session,
        workspace_id=workspace.id,
        customer_id=opted_out,
        opted_out={"sms": True},
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    for customer_id in (reached, opted_out, no_phone, answers):
        _event(session, workspace, customer_id, t0, "order_delivered")
    _event(session, workspace, None, t0, "order_delivered")  # an anonymous visitor
    _event(session, workspace, reached, t0, "page_view")  # another event type

    # The right customers: one invitation per customer event of the trigger's type.
    assert triggers.scan_all(open_transaction, now=utcnow() + SETTLED) == 4
    assert _statuses(session, reached) == ["queued"]

    # Not before the delay …
    assert _send(open_transaction, t0 + timedelta(minutes=119)).sent == 0
    assert provider.posts == []
    # … and then only to whoever may be contacted on the channel.
    report = _send(open_transaction, t0 + timedelta(minutes=120))
    assert (report.sent, report.skipped) == (2, 2)
    assert _statuses(session, opted_out) == _statuses(session, no_phone) == ["skipped"]
    [text] = _texts_to(provider, "+966500000001")
    [post] = [p for p in provider.posts if p.body["to"] == "+966500000001"]
    assert post.body["channel"] == "sms" and post.body["link"].startswith(f"{PUBLIC_URL}/s/")
    assert post.body["link"] in text and post.headers["Authorization"] == "Bearer provider-secret"

    # Never twice for the same event: a second scan, a lost watermark, a second sender.
    assert triggers.scan_all(open_transaction, now=utcnow() + SETTLED) == 0
    session.execute(update(SurveyTrigger).values(last_event_id=0))
    session.commit()
    assert triggers.scan_all(open_transaction, now=utcnow() + SETTLED) == 0
    assert _send(open_transaction, t0 + timedelta(minutes=121)).sent == 0
    assert len(_texts_to(provider, "+966500000001")) == 1

    # The customer who answers: opened, then answered, and their profile gets the response.
    _answer(client, session, survey, answers)
    # At most N (2) per window (7 days): day 1 goes out, day 2 hits the limit, day 8 is free.
    for day in (1, 2, 8):
        _event(session, workspace, reached, t0 + timedelta(days=day), "order_delivered")
    # The answering customer is in their quiet period (3 days after an answer).
    _event(session, workspace, answers, t0 + timedelta(hours=1), "order_delivered")
    assert triggers.scan_all(open_transaction, now=utcnow() + SETTLED) == 4

    _send(open_transaction, t0 + timedelta(hours=3))
    assert _statuses(session, answers) == ["answered", "skipped"]
    # Day 1: the second invitation in the window goes out.
    _send(open_transaction, t0 + timedelta(days=1, hours=2))
    assert _statuses(session, reached) == ["sent", "sent", "queued", "queued"]

    # Reminders (after 2 days): to the unanswered invitation once, never to the answered one.
    before = len(provider.posts)
    report = _send(open_transaction, t0 + timedelta(days=2, hours=2))
    assert report.reminders == 1
    assert _statuses(session, reached) == ["sent", "sent", "skipped", "queued"]
    reminders = [p for p in provider.posts[before:] if "تذكير" in p.body["message"]]
    assert [p.body["to"] for p in reminders] == ["+966500000001"]
    assert not any("تذكير" in t for t in _texts_to(provider, "+966500000003"))
    assert _send(open_transaction, t0 + timedelta(days=2, hours=3)).reminders == 0

    # Day 8: the first two have left the 7-day window, so this one goes out.
    _send(open_transaction, t0 + timedelta(days=8, hours=2))
    assert _statuses(session, reached) == ["sent", "sent", "skipped", "sent"]
    invitations_sent = [t for t in _texts_to(provider, "+966500000001") if "تذكير" not in t]
    assert len(invitations_sent) == 3
    assert session.scalar(select(func.count(SurveyInvitation.id))) == 8


def test_a_claimed_invitation_is_not_sent_by_a_second_sender(
    session: Session, open_transaction: OpenTransaction, provider: WebhookReceiver
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    _configure(session, workspace, provider.url)
    t0 = utcnow()
    _trigger(session, survey, now=t0 - timedelta(minutes=1))
    _event(
        session,
        workspace,
        _customer(session, workspace, "a", "+966500000009"),
        t0,
        "order_delivered",
    )
    triggers.scan_all(open_transaction, now=utcnow() + SETTLED)
    [invitation_id] = session.scalars(select(SurveyInvitation.id))
    due = t0 + timedelta(hours=2)
    claim = partial(
        delivery.claim_invitation,
        invitation_id=invitation_id,
        now=due,
        secret_key=SECRET_KEY,
        public_url=PUBLIC_URL,
    )
    with open_transaction() as first:
        assert claim(first) is not None
    with open_transaction() as second:
        assert claim(second) is None
    assert _statuses(session, session.scalar(select(SurveyInvitation.customer_id))) == ["sending"]


def test_sampling_is_deterministic_and_close_to_the_rate() -> None:
    picks = [
        triggers.is_sampled(trigger_id=7, customer_id=c, event_id=c * 3, percent=30)
        for c in range(4000)
    ]
    again = [
        triggers.is_sampled(trigger_id=7, customer_id=c, event_id=c * 3, percent=30)
        for c in range(4000)
    ]
    assert picks == again
    assert 0.27 < sum(picks) / len(picks) < 0.33
    assert not triggers.is_sampled(trigger_id=7, customer_id=1, event_id=1, percent=0)


def test_a_paused_trigger_skips_what_arrived_meanwhile(
    session: Session, open_transaction: OpenTransaction
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    t0 = utcnow()
    trigger = _trigger(session, survey, now=t0 - timedelta(minutes=1))
    customer_id = _customer(session, workspace, "a", "+966500000010")
    triggers.set_trigger_active(
        session,
        workspace_id=workspace.id,
        survey_id=survey.id,
        trigger_id=trigger.id,
        active=False,
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    _event(session, workspace, customer_id, t0, "order_delivered")
    assert triggers.scan_all(open_transaction, now=utcnow() + SETTLED) == 0
    triggers.set_trigger_active(
        session,
        workspace_id=workspace.id,
        survey_id=survey.id,
        trigger_id=trigger.id,
        active=True,
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    assert triggers.scan_all(open_transaction, now=utcnow() + SETTLED) == 0
    _event(session, workspace, customer_id, t0 + timedelta(minutes=5), "order_delivered")
    assert triggers.scan_all(open_transaction, now=utcnow() + SETTLED) == 1


def test_the_scanner_waits_for_events_to_settle(
    session: Session, open_transaction: OpenTransaction
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    t0 = utcnow()
    _trigger(session, survey, now=t0 - timedelta(minutes=1))
    _event(
        session,
        workspace,
        _customer(session, workspace, "a", "+966500000012"),
        t0,
        "order_delivered",
    )
    # Just received: a transaction holding a lower id may still commit, so not yet.
    assert triggers.scan_all(open_transaction, now=t0) == 0
    assert triggers.scan_all(open_transaction, now=t0 + SETTLED) == 1


def test_the_distribution_job_is_scheduled() -> None:
    assert "nabd.surveys.tasks.distribute_survey_invitations" in periodic_task_names()


def test_the_periodic_jobs_scan_and_send_from_the_database(
    session: Session, settings: Settings, provider: WebhookReceiver
) -> None:
    """The Huey tasks themselves: all they need is in the database, as after a restart."""
    configure_jobs(
        settings.model_copy(
            update={
                "jobs_queue_name": f"nabd-test-{uuid.uuid4().hex[:8]}",
                "public_url": PUBLIC_URL,
            }
        )
    )
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    _configure(session, workspace, provider.url)
    three_hours_ago = utcnow() - timedelta(hours=3)
    _trigger(session, survey, now=three_hours_ago - timedelta(minutes=1))
    customer_id = _customer(session, workspace, "a", "+966500000011")
    _event(session, workspace, customer_id, three_hours_ago, "order_delivered")

    first = tasks.distribute_survey_invitations.call_local()
    assert (first["scheduled"], first["sent"]) == (1, 1)
    again = tasks.distribute_survey_invitations.call_local()
    assert (again["scheduled"], again["sent"]) == (0, 0)
    [post] = provider.posts
    assert post.body["to"] == "+966500000011" and post.body["link"].startswith(PUBLIC_URL)
