"""Sending under failure and concurrency: a sender that died mid-send, two senders racing
for the frequency cap (PostgreSQL), and one SMTP connection for many messages."""

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from functools import partial

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_session_factory, transaction
from nabd.core.types import utcnow
from nabd.customers import service as customers
from nabd.surveys import delivery, smtp
from nabd.surveys.delivery_settings import update_delivery_settings
from nabd.surveys.distribution_schemas import DeliverySettingsIn, InvitationIn
from nabd.surveys.invitations import create_invitations, response_rate_by_channel
from nabd.surveys.models import Survey, SurveyInvitation
from nabd.workspaces.models import Workspace
from tests.factories import make_workspace
from tests.surveys.factories import make_survey
from tests.surveys.receivers import SmtpReceiver, smtp_receiver, webhook_receiver

SECRET_KEY = "test-secret-key-for-signing-sessions"
PUBLIC_URL = "https://cx.example.com"
OpenTransaction = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def open_transaction(engine: Engine) -> OpenTransaction:
    return partial(transaction, create_session_factory(engine))


def _customer(session: Session, workspace: Workspace, kind: str, value: str) -> int:
    customer = customers.create_customer(
        session,
        workspace_id=workspace.id,
        display_name=None,
        language="en",
        attributes={},
        identities=[(kind, value)],
    )
    session.commit()
    return customer.id


def _settings(session: Session, workspace: Workspace, **values: object) -> None:
    update_delivery_settings(
        session,
        workspace_id=workspace.id,
        data=DeliverySettingsIn.model_validate(values),
        secret_key=SECRET_KEY,
        actor=SYSTEM_ACTOR,
    )
    session.commit()


def _invite(
    session: Session, survey: Survey, channel: str, customer_ids: list[int], at: datetime
) -> list[int]:
    created = create_invitations(
        session,
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        data=InvitationIn.model_validate({"channel": channel, "customer_ids": customer_ids}),
        actor=SYSTEM_ACTOR,
        now=at,
    )
    session.commit()
    return [invitation.id for invitation in created]


def _send(open_transaction: OpenTransaction, now: datetime) -> delivery.SendReport:
    return delivery.send_due(
        open_transaction, now=now, secret_key=SECRET_KEY, public_url=PUBLIC_URL
    )


def _claim(session: Session, invitation_id: int, now: datetime) -> delivery.Outgoing | None:
    return delivery.claim_invitation(
        session, invitation_id=invitation_id, now=now, secret_key=SECRET_KEY, public_url=PUBLIC_URL
    )


def _invitation(session: Session, invitation_id: int) -> SurveyInvitation:
    session.expire_all()
    return session.get_one(SurveyInvitation, invitation_id)


def test_an_invitation_left_sending_by_a_dead_sender_goes_out_after_the_lease(
    session: Session, open_transaction: OpenTransaction
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    t0 = utcnow()
    with webhook_receiver() as provider:
        _settings(session, workspace, webhook_url=provider.url)
        phone = "+966500000001"
        [invitation_id] = _invite(
            session, survey, "sms", [_customer(session, workspace, "phone", phone)], t0
        )
        # A sender claims it and dies before sending (its transaction committed the claim).
        with open_transaction() as dead:
            assert _claim(dead, invitation_id, t0) is not None
        claimed = _invitation(session, invitation_id)
        assert claimed.status == "sending" and claimed.sent_at == t0

        # Within the lease nobody else touches it: the normal path never sends twice.
        within = _send(open_transaction, t0 + delivery.SENDING_LEASE - timedelta(seconds=1))
        assert (within.sent, provider.posts) == (0, [])
        assert _invitation(session, invitation_id).status == "sending"
        # It is not counted as reached while it is only claimed.
        rates = response_rate_by_channel(session, workspace_id=workspace.id)
        assert rates == {}

        later = t0 + delivery.SENDING_LEASE + timedelta(seconds=1)
        assert _send(open_transaction, later).sent == 1
        assert [post.body["to"] for post in provider.posts] == [phone]
        recovered = _invitation(session, invitation_id)
        assert (recovered.status, recovered.sent_at) == ("sent", later)

        # Sent means done: later runs leave it alone.
        assert _send(open_transaction, later + 2 * delivery.SENDING_LEASE).sent == 0
        assert len(provider.posts) == 1


def test_a_claim_counts_towards_the_cap_of_the_next_claim(
    session: Session, open_transaction: OpenTransaction
) -> None:
    """Sequentially (any database): the second invitation sees the first one's claim."""
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    _settings(session, workspace, webhook_url="http://127.0.0.1:9/unused", max_invitations=1)
    customer_id = _customer(session, workspace, "phone", "+966500000002")
    t0 = utcnow()
    first, second = (_invite(session, survey, "sms", [customer_id], t0)[0] for _ in range(2))
    with open_transaction() as one:
        assert _claim(one, first, t0) is not None
    with open_transaction() as two:
        assert _claim(two, second, t0) is None
    stopped = _invitation(session, second)
    assert (stopped.status, stopped.error) == ("skipped", delivery.LIMIT_REACHED)
    assert stopped.sent_at is None


def test_two_senders_at_once_do_not_break_the_frequency_cap(
    engine: Engine, session: Session, open_transaction: OpenTransaction
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: two senders cannot overlap there")
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    _settings(session, workspace, webhook_url="http://127.0.0.1:9/unused", max_invitations=1)
    customer_id = _customer(session, workspace, "phone", "+966500000003")
    t0 = utcnow()
    first, second = (_invite(session, survey, "sms", [customer_id], t0)[0] for _ in range(2))

    outcome: dict[str, object] = {}

    def second_sender() -> None:
        with open_transaction() as other:
            outcome["claimed"] = _claim(other, second, t0)

    with open_transaction() as one:
        assert _claim(one, first, t0) is not None
        racer = threading.Thread(target=second_sender)
        racer.start()
        # The second sender has claimed its own invitation and now waits on the customer.
        racer.join(timeout=1.0)
        assert racer.is_alive()
    racer.join(timeout=10)
    assert not racer.is_alive()
    assert outcome["claimed"] is None
    assert _invitation(session, first).status == "sending"
    stopped = _invitation(session, second)
    assert (stopped.status, stopped.error) == ("skipped", delivery.LIMIT_REACHED)


def _email_workspace(
    session: Session, receiver: SmtpReceiver, count: int, slug: str = "acme"
) -> tuple[Survey, list[str]]:
    workspace = make_workspace(session, slug)
    survey = make_survey(session, workspace)
    _settings(
        session,
        workspace,
        smtp_host="127.0.0.1",
        smtp_port=receiver.port,
        smtp_security="none",
        smtp_username="mailer",
        smtp_password="s3cret-Pass",
        smtp_from="survey@acme.example",
    )
    addresses = [f"c{n}-{workspace.id}@example.com" for n in range(count)]
    ids = [_customer(session, workspace, "email", address) for address in addresses]
    _invite(session, survey, "email", ids, utcnow())
    return survey, addresses


def test_many_emails_share_one_smtp_connection_per_workspace(
    session: Session, open_transaction: OpenTransaction
) -> None:
    with smtp_receiver(username="mailer", password="s3cret-Pass") as receiver:
        _, first = _email_workspace(session, receiver, 6)
        _, second = _email_workspace(session, receiver, 3, "beta")
        report = _send(open_transaction, utcnow())
    assert report.sent == 9
    assert sorted(message["To"] for message in receiver.messages) == sorted(first + second)
    assert sorted(receiver.connections.values()) == [3, 6]
    assert len(receiver.logins) == 2


def test_a_refused_recipient_fails_alone_and_a_hang_up_is_reconnected(
    session: Session, open_transaction: OpenTransaction, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smtp, "MESSAGES_PER_CONNECTION", 4)
    with smtp_receiver(username="mailer", password="s3cret-Pass") as receiver:
        survey, addresses = _email_workspace(session, receiver, 10)
        receiver.refuse = {addresses[1]}
        receiver.hang_up_after = 3
        report = _send(open_transaction, utcnow())
    assert (report.sent, report.failed) == (9, 1)
    assert sorted(message["To"] for message in receiver.messages) == sorted(
        address for address in addresses if address != addresses[1]
    )
    # Dropped after the refusal, hung up on after 3, never more than the cap of 4.
    assert len(receiver.connections) < 10
    assert max(receiver.connections.values()) <= 3
    failed = session.scalars(
        select(SurveyInvitation).where(
            SurveyInvitation.survey_id == survey.id, SurveyInvitation.status == "failed"
        )
    ).all()
    assert len(failed) == 1
    assert failed[0].error is not None and "550" in failed[0].error
    assert failed[0].sent_at is None


def test_the_connection_cap_opens_a_new_connection(
    session: Session, open_transaction: OpenTransaction, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(smtp, "MESSAGES_PER_CONNECTION", 2)
    with smtp_receiver(username="mailer", password="s3cret-Pass") as receiver:
        _email_workspace(session, receiver, 5)
        assert _send(open_transaction, utcnow()).sent == 5
    assert sorted(receiver.connections.values()) == [1, 2, 2]
