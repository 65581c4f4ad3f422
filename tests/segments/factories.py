"""A small, varied customer base with answers and channels, and its facts kept in Python.

`make_people` builds it through the services and returns `Person` records holding what each
customer is, so tests can compute a segment's membership directly and compare.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.customers.models import Customer
from nabd.events import service as events
from nabd.journeys import service as journeys
from nabd.segments import service
from nabd.segments.models import Segment
from nabd.segments.schemas import SegmentIn
from nabd.surveys import service as surveys
from nabd.surveys.models import Survey
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn, SurveyIn
from nabd.workspaces.models import Workspace
from tests.customers.factories import make_customer

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CITIES = ("Riyadh", "Jeddah", "Dammam", None)
SURVEY: dict[str, Any] = {
    "title": {"ar": "تجربتك", "en": "Your experience"},
    "status": "active",
    "questions": [
        {"key": "nps", "type": "nps", "text": {"ar": "هل توصي بنا؟", "en": "Recommend us?"}},
        {"key": "csat", "type": "csat", "text": {"ar": "هل أنت راضٍ؟", "en": "Satisfied?"}},
    ],
}


@dataclass
class Person:
    id: int
    city: str | None
    plan: str
    language: str
    total_spend: Decimal
    order_count: int
    last_purchase_at: datetime | None
    last_seen_at: datetime
    # (submitted_at, nps, csat) in the order they were answered
    answers: list[tuple[datetime, int, int]] = field(default_factory=list)
    channels: set[str] = field(default_factory=set)

    @property
    def latest_nps(self) -> int | None:
        return max(self.answers)[1] if self.answers else None

    @property
    def latest_csat(self) -> int | None:
        return max(self.answers)[2] if self.answers else None


def make_survey(session: Session, workspace: Workspace) -> Survey:
    survey = surveys.create_survey(
        session,
        workspace_id=workspace.id,
        data=SurveyIn.model_validate(SURVEY),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return survey


def answer(
    session: Session,
    survey: Survey,
    *,
    external_id: str | None,
    at: datetime,
    nps: int,
    csat: int,
    channel: str = "app",
    language: str = "ar",
) -> None:
    record_response(
        session,
        survey=survey,
        data=ResponseIn.model_validate(
            {
                "customer": {"external_id": external_id} if external_id else None,
                "answers": [
                    {"question_id": survey.questions[0].id, "value": nps},
                    {"question_id": survey.questions[1].id, "value": csat},
                ],
                "channel": channel,
                "language": language,
                "submitted_at": at,
            }
        ),
        default_language="ar",
    )


def make_people(
    session: Session, workspace: Workspace, *, count: int = 40, seed: int = 7
) -> tuple[list[Person], Survey]:
    """`count` customers with attributes, value, answers and channels drawn from `seed`."""
    randomness = random.Random(seed)
    channels = {
        key: journeys.ensure_channel(
            session, workspace_id=workspace.id, key=key, name_ar=ar, name_en=en
        )
        for key, ar, en in (("web", "الموقع", "Website"), ("app", "التطبيق", "App"))
    }
    survey = make_survey(session, workspace)
    people: list[Person] = []
    for index in range(count):
        city = randomness.choice(CITIES)
        attributes: dict[str, Any] = {"plan": randomness.choice(("gold", "basic"))}
        if city:
            attributes["city"] = city
        customer = make_customer(
            session, workspace, f"عميل {index}", external_id=f"c-{index}", attributes=attributes
        )
        bought = randomness.random() < 0.7
        person = Person(
            id=customer.id,
            city=city,
            plan=attributes["plan"],
            language=randomness.choice(("ar", "en")),
            total_spend=Decimal(randomness.randrange(0, 500_000)) / 100 if bought else Decimal(0),
            order_count=randomness.randrange(1, 12) if bought else 0,
            last_purchase_at=NOW - timedelta(days=randomness.randrange(0, 400)) if bought else None,
            last_seen_at=NOW - timedelta(days=randomness.randrange(0, 200)),
        )
        for _ in range(randomness.randrange(0, 3)):
            at = NOW - timedelta(days=randomness.randrange(1, 300), minutes=index)
            nps, csat = randomness.randrange(0, 11), randomness.randrange(1, 6)
            answer(session, survey, external_id=f"c-{index}", at=at, nps=nps, csat=csat)
            person.answers.append((at, nps, csat))
        for key in ("web", "app"):
            if randomness.random() < 0.4:
                person.channels.add(key)
        people.append(person)
    events.add_events(
        session,
        workspace_id=workspace.id,
        rows=[
            {
                "customer_id": person.id,
                "type": "page_view",
                "occurred_at": NOW - timedelta(days=3),
                "received_at": NOW - timedelta(days=3),
                "channel_id": channels[key].id,
                "client_event_id": f"seg-{person.id}-{key}",
                "properties": {},
            }
            for person in people
            for key in sorted(person.channels)
        ],
    )
    # Answers on the app channel count as using it, as on the profile.
    for person in people:
        if person.answers:
            person.channels.add("app")
    session.flush()
    for person in people:
        customer = session.get(Customer, person.id)
        assert customer is not None
        customer.language = person.language
        customer.total_spend = person.total_spend
        customer.order_count = person.order_count
        customer.last_purchase_at = person.last_purchase_at
        customer.last_seen_at = person.last_seen_at
    session.commit()
    return people, survey


def make_segment(
    session: Session, workspace: Workspace, definition: dict[str, Any], **fields: Any
) -> Segment:
    data = SegmentIn.model_validate(
        {
            "name_ar": fields.get("name_ar", "عملاء الرياض"),
            "name_en": fields.get("name_en", "Riyadh customers"),
            "description": fields.get("description", ""),
            "definition": definition,
        }
    )
    segment = service.create_segment(
        session, workspace_id=workspace.id, data=data, actor=SYSTEM_ACTOR
    )
    session.commit()
    return segment


RIYADH = {
    "match": "all",
    "conditions": [{"field": "attribute", "key": "city", "operator": "equals", "value": "Riyadh"}],
}
