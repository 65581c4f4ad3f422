"""`nabd demo --no-serve` loads a realistic bilingual workspace once, then reuses it."""

import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.core.types import utcnow
from nabd.customers.models import Customer, CustomerIdentity, CustomerSeen
from nabd.demo.catalogue import DEMO_PASSWORD, DEMO_USERS
from nabd.demo.surveys import demo_texts
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.goals.models import Goal
from nabd.journeys.models import Journey
from nabd.metrics import rollups
from nabd.segments.models import Segment
from nabd.surveys.invitations import response_rate_by_channel
from nabd.surveys.models import (
    SurveyDistribution,
    SurveyInvitation,
    SurveyResponse,
)
from nabd.text.annotations import FeedbackAnnotation
from nabd.workspaces.models import Workspace
from tests.factories import Member, sign_in

ARABIC = re.compile(r"[\u0600-\u06FF]")


def test_demo_loads_once_and_serves_a_populated_overview(
    database_url: str,
    tmp_path: Path,
    engine,
    session: Session,
    client: TestClient,
) -> None:
    runner = CliRunner()
    environment = {"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)}
    first = runner.invoke(cli, ["demo", "--no-serve"], env=environment)
    assert first.exit_code == 0, first.output
    assert DEMO_USERS[0][0] in first.output and DEMO_PASSWORD in first.output
    second = runner.invoke(cli, ["demo", "--no-serve"], env=environment)
    assert "reusing" in second.output
    assert session.scalar(select(func.count(Workspace.id)).where(Workspace.slug == "demo")) == 1

    names = list(session.scalars(select(Customer.display_name)))
    arabic_share = sum(bool(ARABIC.search(name or "")) for name in names) / len(names)
    assert len(names) == 3000 and 0.6 < arabic_share < 0.9
    kinds = set(session.scalars(select(CustomerIdentity.kind).distinct()))
    assert kinds == {"email", "phone", "external_id"}
    oldest, newest = session.execute(
        select(func.min(Event.occurred_at), func.max(Event.occurred_at))
    ).one()
    assert newest - oldest > timedelta(days=365) and newest <= utcnow()
    event_types = set(session.scalars(select(Event.type).distinct()))
    assert {"page_view", "add_to_cart", "purchase", "ticket_opened", "store_visit"} <= event_types
    # Each customer was last seen at their latest event or text, not before it.
    latest_event = (
        select(Event.customer_id, func.max(Event.occurred_at).label("at"))
        .group_by(Event.customer_id)
        .subquery()
    )
    seen_too_early = session.scalar(
        select(func.count())
        .select_from(CustomerSeen)
        .join(latest_event, latest_event.c.customer_id == CustomerSeen.customer_id)
        .where(CustomerSeen.last_seen_at < latest_event.c.at)
    )
    assert seen_too_early == 0
    order_count = session.scalar(select(func.count(Transaction.id)))
    assert order_count > 1000
    spenders = session.scalar(select(func.count(Customer.id)).where(Customer.total_spend > 0))
    assert spenders > 1000  # the list's value columns are filled
    sources = dict(
        session.execute(
            select(FeedbackItem.source, func.count()).group_by(FeedbackItem.source)
        ).all()
    )
    assert set(sources) == {"survey", "review", "social", "ticket", "chat", "call_note"}
    assert min(sources.values()) > 50
    texts = set(session.scalars(select(FeedbackItem.text).where(FeedbackItem.source == "review")))
    assert texts <= {row["text"] for row in demo_texts()}  # real dataset texts, not made up

    # Each survey has an anonymous link and a history of invitations whose answered ones are
    # the responses that carry their links; e-mail is answered least, WhatsApp most.
    links = session.scalar(
        select(func.count(SurveyDistribution.id)).where(SurveyDistribution.customer_id.is_(None))
    )
    assert links == 3
    linked = session.scalar(
        select(func.count(SurveyResponse.id)).where(SurveyResponse.invitation_id.is_not(None))
    )
    rates = response_rate_by_channel(
        session, workspace_id=session.scalar(select(Workspace.id).where(Workspace.slug == "demo"))
    )
    assert set(rates) == {"email", "sms", "whatsapp"}
    assert sum(counts.answered for counts in rates.values()) == linked > 500
    assert rates["email"].rate < rates["sms"].rate < rates["whatsapp"].rate
    assert session.scalar(select(func.count()).where(SurveyInvitation.status == "queued")) == 0

    # Goals on the demo surveys' metrics: one finished, two running, each with a status.
    goals = session.scalars(select(Goal)).all()
    assert len(goals) == 3 and all(goal.survey_id is not None for goal in goals)
    assert sum(goal.end_date < utcnow().date() for goal in goals) == 1

    annotated = session.scalar(select(func.count(FeedbackAnnotation.id)))
    assert annotated == sum(sources.values())  # the explorer is populated at once

    demo_id = session.scalar(select(Workspace.id).where(Workspace.slug == "demo"))
    assert demo_id is not None
    sizes = dict(session.execute(select(Segment.name_en, Segment.size)).all())
    assert len(sizes) == 5 and all(size and size < 3000 for size in sizes.values()), sizes
    counted = rollups.stored_rows(session, workspace_id=demo_id)
    assert counted and counted == rollups.recomputed_rows(session, workspace_id=demo_id)

    admin = Member(membership_id=0, user_id=0, email=DEMO_USERS[0][0], password=DEMO_PASSWORD)
    sign_in(client, admin)
    page = client.get("/")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text  # the demo workspace is Arabic-first
    assert "3,000" in page.text or "3٬000" in page.text
    # The retail journey's stages, and the overview filtered by it still has NPS answers.
    retail = session.scalars(
        select(Journey).where(Journey.workspace_id == demo_id, Journey.name_en == "Retail journey")
    ).one()
    assert [stage.name_en for stage in retail.stages] == [
        "Awareness",
        "Purchase",
        "Delivery",
        "Support",
        "Loyalty",
    ]
    by_journey = client.get(f"/?journey={retail.id}")
    assert by_journey.status_code == 200
    assert 'data-testid="nps-value">—' not in by_journey.text
