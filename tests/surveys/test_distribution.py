"""Distribution: personal invitations by e-mail (a real SMTP server), SMS/WhatsApp through the
webhook provider (a real HTTP receiver), QR codes, statuses and response rate per channel."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.core.db import create_session_factory, transaction
from nabd.core.i18n import gettext
from nabd.core.types import utcnow
from nabd.customers import service as customers
from nabd.surveys import delivery
from nabd.surveys.delivery_settings import update_delivery_settings
from nabd.surveys.distribution_schemas import DeliverySettingsIn, InvitationIn
from nabd.surveys.invitations import create_invitations, response_rate_by_channel
from nabd.surveys.models import SurveyInvitation, SurveyResponse
from nabd.surveys.public_views import WIDGET_TEXT
from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import csrf_from, make_member, make_token, make_workspace, sign_in
from tests.surveys.factories import NPS_SURVEY, make_link, make_survey, question_ids
from tests.surveys.receivers import smtp_receiver, webhook_receiver

SECRET_KEY = "test-secret-key-for-signing-sessions"
OpenTransaction = Callable[[], AbstractContextManager[Session]]


@pytest.fixture
def open_transaction(engine: Engine) -> OpenTransaction:
    return partial(transaction, create_session_factory(engine))


def _customer(session: Session, workspace: Workspace, **identities: str) -> int:
    customer = customers.create_customer(
        session,
        workspace_id=workspace.id,
        display_name=None,
        language=identities.pop("language", None),
        attributes={},
        identities=list(identities.items()),
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


def _send(
    open_transaction: OpenTransaction, base: str = "http://testserver"
) -> delivery.SendReport:
    return delivery.send_due(open_transaction, now=utcnow(), secret_key=SECRET_KEY, public_url=base)


def test_an_email_invitation_reaches_the_customer_in_their_language(
    session: Session, client: TestClient, open_transaction: OpenTransaction
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    customer_id = _customer(session, workspace, email="layla@example.com", language="ar")
    _, token = make_token(session, workspace, Role.ANALYST)
    with smtp_receiver(username="mailer", password="s3cret-Pass") as smtp:
        _settings(
            session,
            workspace,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_security="none",
            smtp_username="mailer",
            smtp_password="s3cret-Pass",
            smtp_from="Acme <survey@acme.example>",
        )
        created = client.post(
            f"/api/v1/surveys/{survey.id}/invitations",
            json={"channel": "email", "customer_ids": [customer_id]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
        [invitation] = created.json()["items"]
        assert invitation["status"] == "queued" and invitation["language"] == "ar"
        assert _send(open_transaction).sent == 1

    assert smtp.logins == [("mailer", "s3cret-Pass")]
    [message] = smtp.messages
    assert message["To"] == "layla@example.com"
    assert message["From"] == "Acme <survey@acme.example>"
    assert message["Subject"] == f"يسعد {workspace.name} أن يعرف رأيك"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    link = f"http://testserver/s/{invitation['token']}"
    assert link in plain.get_content() and "شكرًا لاختيارك" in plain.get_content()
    assert 'dir="rtl"' in html.get_content() and f'href="{link}"' in html.get_content()

    # The customer opens the link, then answers: the response joins their profile.
    page = client.get(f"/s/{invitation['token']}")
    listed = client.get(
        f"/api/v1/surveys/{survey.id}/invitations", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert listed["items"][0]["status"] == "opened"
    client.post(
        f"/s/{invitation['token']}",
        data={"csrf_token": csrf_from(page.text), f"q{question_ids(survey)['nps']}": "10"},
    )
    listed = client.get(
        f"/api/v1/surveys/{survey.id}/invitations", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert listed["items"][0]["status"] == "answered"
    assert listed["rates"] == [{"channel": "email", "invited": 1, "answered": 1, "rate": 1.0}]
    response = session.scalar(select(SurveyResponse))
    assert response is not None and response.customer_id == customer_id


def test_sms_and_whatsapp_go_through_the_webhook_provider(
    session: Session, open_transaction: OpenTransaction
) -> None:
    workspace = make_workspace(session, language="en")
    survey = make_survey(session, workspace)
    customer_id = _customer(session, workspace, phone="+201000000001", language="en")
    with webhook_receiver() as provider:
        _settings(session, workspace, webhook_url=provider.url)
        client_data = {"channel": "whatsapp", "customer_ids": [customer_id]}
        create_invitations(
            session,
            workspace_id=workspace.id,
            survey_id=survey.id,
            data=InvitationIn.model_validate(client_data),
            actor=SYSTEM_ACTOR,
        )
        session.commit()
        assert _send(open_transaction, "https://cx.example.com").sent == 1
        provider.status = 503
        create_invitations(
            session,
            workspace_id=workspace.id,
            survey_id=survey.id,
            data=InvitationIn.model_validate({**client_data, "channel": "sms"}),
            actor=SYSTEM_ACTOR,
        )
        session.commit()
        report = _send(open_transaction)
    assert report.failed == 1 and "503" in report.errors[0]
    first, second = provider.posts
    assert "Authorization" not in first.headers
    assert first.body["to"] == "+201000000001" and first.body["channel"] == "whatsapp"
    assert first.body["link"].startswith("https://cx.example.com/s/")
    assert first.body["message"].endswith(first.body["link"])
    assert "how did we do?" in first.body["message"]
    assert second.body["channel"] == "sms"
    session.expire_all()
    statuses = list(session.scalars(select(SurveyInvitation.status).order_by(SurveyInvitation.id)))
    assert statuses == ["sent", "failed"]
    rates = response_rate_by_channel(session, workspace_id=workspace.id, survey_id=survey.id)
    assert rates["whatsapp"].invited == 1 and rates["whatsapp"].answered == 0
    assert "sms" not in rates  # a failed send invited nobody
    later = response_rate_by_channel(
        session, workspace_id=workspace.id, start=utcnow() + timedelta(hours=1)
    )
    assert later == {}


def test_secrets_are_encrypted_at_rest_and_never_shown(
    session: Session, client: TestClient, engine: Engine
) -> None:
    workspace = make_workspace(session)
    admin = make_member(session, workspace, Role.ADMIN)
    sign_in(client, admin)
    page = client.get("/settings/survey-delivery")
    assert page.status_code == 200
    saved = client.post(
        "/settings/survey-delivery",
        data={
            "csrf_token": csrf_from(page.text),
            "smtp_host": "smtp.example.com",
            "smtp_port": "587",
            "smtp_security": "starttls",
            "smtp_password": "very-secret-password",
            "webhook_url": "https://sms.example.com/send",
            "webhook_secret": "bearer-secret-value",
            "max_invitations": "3",
            "window_days": "30",
            "quiet_days": "7",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    with engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM survey_delivery_settings")).mappings().one()
    assert "very-secret-password" not in str(dict(row))
    assert "bearer-secret-value" not in str(dict(row))
    assert row["max_invitations"] == 3 and row["quiet_days"] == 7
    shown = client.get("/settings/survey-delivery").text
    assert "very-secret-password" not in shown and "smtp.example.com" in shown

    bad = client.post(
        "/settings/survey-delivery",
        data={"csrf_token": csrf_from(shown), "webhook_url": "ftp://nope", "window_days": "30"},
    )
    assert bad.status_code == 422


def test_analysts_send_invitations_and_add_triggers_from_the_survey_page(
    session: Session, client: TestClient
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    link = make_link(session, survey)
    first = _customer(session, workspace, email="a@example.com")
    _customer(session, workspace, email="b@example.com")
    sign_in(client, make_member(session, workspace, Role.ANALYST))
    page = client.get(f"/surveys/{survey.id}")
    assert 'data-testid="distribution"' in page.text
    assert f'data-survey="{link.token}"' in page.text and "/static/widget.js" in page.text
    assert "/settings/survey-delivery" not in page.text  # analysts do not manage delivery
    widget = client.get("/static/widget.js")
    assert widget.status_code == 200 and "javascript" in widget.headers["content-type"]
    assert 'getAttribute("data-survey")' in widget.text
    assert not any("\u0600" <= char <= "\u06ff" for char in widget.text)  # no hard-coded Arabic

    sent = client.post(
        f"/surveys/{survey.id}/invitations",
        data={"csrf_token": csrf_from(page.text), "channel": "email", "customer_ids": str(first)},
    )
    assert sent.status_code == 200 and sent.text.count('data-testid="invitation-row"') == 1
    everyone = client.post(
        f"/surveys/{survey.id}/invitations",
        data={"csrf_token": csrf_from(sent.text), "channel": "email", "all_with_email": "1"},
    )
    assert everyone.text.count('data-testid="invitation-row"') == 3
    # Invitations' own links are listed as invitations, not among the survey's links.
    assert everyone.text.count('data-testid="survey-link"') == 1
    added = client.post(
        f"/surveys/{survey.id}/triggers",
        data={
            "csrf_token": csrf_from(everyone.text),
            "event_type": "order_delivered",
            "channel": "sms",
            "delay": "2",
            "delay_unit": "hours",
            "sampling_percent": "30",
        },
    )
    assert "order_delivered" in added.text and "120" in added.text
    refused = client.post(
        f"/surveys/{survey.id}/triggers",
        data={"csrf_token": csrf_from(added.text), "event_type": "x", "channel": "fax"},
    )
    assert refused.status_code == 200 and "alert-danger" in refused.text

    svg = client.get(f"/surveys/{survey.id}/links/{link.id}/qr?format=svg")
    assert svg.headers["content-type"] == "image/svg+xml" and b"<svg" in svg.content
    png = client.get(f"/surveys/{survey.id}/links/{link.id}/qr")
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert "attachment" in png.headers["content-disposition"]
    assert client.get(f"/surveys/{survey.id}/links/{link.id}/qr?format=gif").status_code == 422


def test_triggers_api_creates_lists_and_pauses(session: Session, client: TestClient) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    _, token = make_token(session, workspace, Role.ANALYST)
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(
        f"/api/v1/surveys/{survey.id}/triggers",
        json={"event_type": "ticket_closed", "channel": "email", "delay_minutes": 60},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    trigger = created.json()
    assert trigger["active"] is True and trigger["sampling_percent"] == 100
    paused = client.patch(
        f"/api/v1/surveys/{survey.id}/triggers/{trigger['id']}",
        json={"active": False},
        headers=headers,
    )
    assert paused.json()["active"] is False
    listed = client.get(f"/api/v1/surveys/{survey.id}/triggers", headers=headers).json()
    assert [t["id"] for t in listed["items"]] == [trigger["id"]]
    bad = client.post(
        f"/api/v1/surveys/{survey.id}/triggers",
        json={"event_type": "x", "channel": "email", "sampling_percent": 101},
        headers=headers,
    )
    assert bad.status_code == 422


def test_links_for_in_app_prompts_are_handed_over_at_once(
    session: Session, client: TestClient
) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    _, token = make_token(session, workspace, Role.ANALYST)
    created = client.post(
        f"/api/v1/surveys/{survey.id}/invitations",
        json={"channel": "in_app", "customers": [{"external_id": "user-7"}], "language": "en"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    [invitation] = created.json()["items"]
    assert invitation["status"] == "sent" and invitation["url"].endswith(invitation["token"])
    assert client.get(invitation["url"].replace("http://testserver", "")).status_code == 200
    draft = make_survey(session, workspace, {**NPS_SURVEY, "status": "draft"})
    refused = client.post(
        f"/api/v1/surveys/{draft.id}/invitations",
        json={"channel": "email", "customer_ids": []},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 409


def test_the_widget_takes_its_strings_from_the_catalogue(
    session: Session, client: TestClient
) -> None:
    survey = make_survey(session, make_workspace(session))
    link = make_link(session, survey)
    session.commit()
    arabic = client.get(f"/s/{link.token}/widget.json", params={"lang": "ar"})
    assert arabic.status_code == 200 and arabic.headers["access-control-allow-origin"] == "*"
    body = arabic.json()
    assert body["open"] and body["lang"] == "ar" and body["dir"] == "rtl"
    assert body["text"]["button"] == gettext("ar", WIDGET_TEXT["button"]) == "رأيك يهمنا"
    assert body["text"]["close"] == "إغلاق"
    english = client.get(f"/s/{link.token}/widget.json", params={"lang": "en"}).json()
    assert english["text"]["start"] == "Start the survey" and english["dir"] == "ltr"
    assert client.get("/s/no-such-link/widget.json").status_code == 404

    survey.status = "closed"
    session.commit()
    assert client.get(f"/s/{link.token}/widget.json").json() == {"open": False}
