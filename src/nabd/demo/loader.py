"""Builds the demo workspace: staff, channels, customers and 18 months of behaviour.

Everything is generated from a fixed seed relative to "now", so two fresh installs show
the same shapes and the data always looks current.
"""

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR, record_audit
from nabd.customers import service as customers
from nabd.demo.catalogue import (
    CATEGORIES,
    CHANNELS,
    DEMO_NAME,
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_USERS,
    TIERS,
    TOUCHPOINTS,
)
from nabd.demo.feedback import demo_feedback
from nabd.demo.goals import load_demo_goals
from nabd.demo.journeys import load_demo_journeys
from nabd.demo.segments import load_demo_segments
from nabd.demo.surveys import demo_texts, load_demo_surveys
from nabd.events import service as events
from nabd.feedback.service import NewFeedback, record_new_feedback
from nabd.journeys import service as journeys
from nabd.text.annotations_service import annotate_items, unannotated_ids
from nabd.text.annotator import annotator_for
from nabd.workspaces import service as workspaces
from nabd.workspaces.models import Workspace
from nabd.workspaces.schemas import UserCreate, WorkspaceCreate

HISTORY_DAYS = 548  # about 18 months
ARABIC_SHARE = 0.75


@dataclass(frozen=True)
class DemoResult:
    workspace: Workspace
    created: bool
    customer_count: int = 0
    event_count: int = 0
    transaction_count: int = 0


def _names() -> dict[str, Any]:
    return json.loads((files("nabd.demo") / "data" / "names.json").read_text(encoding="utf-8"))


class _Generator:
    """Draws customers and their histories; one instance per load, one seed."""

    def __init__(self, *, seed: int, now: datetime, ids: dict[str, dict[str, int]]) -> None:
        self.random = random.Random(seed)
        self.now = now
        self.ids = ids
        self.names = _names()
        self.events: list[dict[str, Any]] = []
        self.transactions: list[dict[str, Any]] = []
        # Each customer's latest event: a visit's purchase and delivery come after it starts.
        self.last_event_at: dict[int, datetime] = {}

    def person(self, index: int) -> tuple[str, str, list[tuple[str, str]], dict[str, Any]]:
        pick = self.random.choice
        city = pick(self.names["cities"])
        if self.random.random() < ARABIC_SHARE:
            given, family = pick(self.names["arabic_given"]), pick(self.names["arabic_family"])
            display = f"{given['ar']} {family['ar']}"
            latin = f"{given['latin']}.{family['latin']}"
            language = "ar"
        else:
            given, family = pick(self.names["english_given"]), pick(self.names["english_family"])
            display = f"{given} {family}"
            latin = f"{given}.{family}"
            language = "en"
        handle = "".join(ch for ch in latin.lower().replace(" ", "") if ch.isalnum() or ch == ".")
        email = f"{handle}{index}@{pick(('example.com', 'example.net', 'example.org'))}"
        phone = f"+9665{self.random.randrange(10_000_000, 99_999_999)}"
        identities = [("email", email), ("phone", phone), ("external_id", f"CRM-{100000 + index}")]
        tier = self.random.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        attributes = {
            "city": city["en"],
            "city_ar": city["ar"],
            "tier": tier,
            "age_band": pick(("18-24", "25-34", "35-44", "45-54", "55+")),
        }
        return display, language, identities, attributes

    def _event(
        self,
        customer_id: int,
        kind: str,
        touchpoint: str,
        at: datetime,
        properties: dict[str, Any] | None = None,
    ) -> None:
        latest = self.last_event_at.get(customer_id)
        if latest is None or at > latest:
            self.last_event_at[customer_id] = at
        self.events.append(
            {
                "customer_id": customer_id,
                "type": kind,
                "touchpoint_id": self.ids["touchpoint"][touchpoint],
                "channel_id": self.ids["channel_of_touchpoint"][touchpoint],
                "occurred_at": at,
                "received_at": at,
                "properties": properties or {},
            }
        )

    def history(self, customer_id: int, first_seen: datetime, tier: str) -> None:
        """Visits, purchases and service contacts from first_seen until now."""
        rate = {"basic": 1 / 45, "plus": 1 / 25, "premium": 1 / 12}[tier]
        at = first_seen
        while True:
            at += timedelta(days=self.random.expovariate(rate), minutes=self.random.randrange(1440))
            if at >= self.now:
                return
            self._visit(customer_id, at)

    def _visit(self, customer_id: int, at: datetime) -> None:
        roll = self.random.random()
        if roll < 0.55:
            self._online_session(customer_id, at, app=self.random.random() < 0.5)
        elif roll < 0.75:
            store = self.random.choice(("store_riyadh", "store_jeddah", "store_dammam"))
            self._event(customer_id, "store_visit", store, at)
            if self.random.random() < 0.6:
                self._purchase(customer_id, at + timedelta(minutes=20), store)
        elif roll < 0.9:
            self._service_contact(customer_id, at)
        else:
            self._event(customer_id, "email_opened", "email_newsletter", at)

    def _online_session(self, customer_id: int, at: datetime, *, app: bool) -> None:
        browse, checkout = ("app_browse", "app_checkout") if app else ("web_home", "web_checkout")
        self._event(customer_id, "page_view", browse, at)
        if not app:
            self._event(customer_id, "page_view", "web_product", at + timedelta(minutes=2))
        if self.random.random() < 0.45:
            self._event(
                customer_id,
                "add_to_cart",
                browse if app else "web_product",
                at + timedelta(minutes=4),
            )
            if self.random.random() < 0.7:
                self._purchase(customer_id, at + timedelta(minutes=8), checkout)
                delivered = at + timedelta(days=self.random.randint(1, 5))
                if delivered < self.now and self.random.random() < 0.8:
                    self._event(customer_id, "order_delivered", "delivery", delivered)

    def _purchase(self, customer_id: int, at: datetime, touchpoint: str) -> None:
        category, low, high = self.random.choice(CATEGORIES)
        amount = Decimal(self.random.randint(low * 100, high * 100)) / 100
        order_id = f"SO-{len(self.transactions) + 500001}"
        self._event(customer_id, "purchase", touchpoint, at, {"order_id": order_id})
        self.transactions.append(
            {
                "order_id": order_id,
                "customer_id": customer_id,
                "amount": amount,
                "currency": "SAR",
                "occurred_at": at,
                "channel_id": self.ids["channel_of_touchpoint"][touchpoint],
                "category": category,
                "items": [{"category": category, "quantity": 1, "price": str(amount)}],
                "created_at": at,
            }
        )

    def _service_contact(self, customer_id: int, at: datetime) -> None:
        touchpoint = self.random.choice(("call_support", "chat_support", "whatsapp_support"))
        ticket = f"T-{len(self.events) + 70001}"
        self._event(customer_id, "ticket_opened", touchpoint, at, {"ticket_id": ticket})
        if self.random.random() < 0.88:
            resolved = at + timedelta(hours=self.random.lognormvariate(2.5, 1.0))
            if resolved < self.now:
                self._event(
                    customer_id,
                    "ticket_resolved",
                    touchpoint,
                    resolved,
                    {"ticket_id": ticket, "first_contact": self.random.random() < 0.7},
                )


def _ensure_channels(session: Session, workspace_id: int) -> dict[str, dict[str, int]]:
    channel_ids = {
        key: journeys.ensure_channel(
            session, workspace_id=workspace_id, key=key, name_ar=name_ar, name_en=name_en
        ).id
        for key, name_ar, name_en in CHANNELS
    }
    touchpoint_ids, channel_of_touchpoint = {}, {}
    for key, channel_key, name_ar, name_en in TOUCHPOINTS:
        channel = journeys.get_channel(
            session, workspace_id=workspace_id, channel_id=channel_ids[channel_key]
        )
        touchpoint = journeys.ensure_touchpoint(
            session,
            workspace_id=workspace_id,
            key=key,
            name_ar=name_ar,
            name_en=name_en,
            channel=channel,
        )
        touchpoint_ids[key] = touchpoint.id
        channel_of_touchpoint[key] = channel_ids[channel_key]
    return {"touchpoint": touchpoint_ids, "channel_of_touchpoint": channel_of_touchpoint}


def load_demo(
    session: Session, *, now: datetime, customer_count: int = 3000, seed: int = 2026
) -> DemoResult:
    """Create the demo workspace, or return the existing one untouched."""
    existing = workspaces.find_workspace_by_slug(session, slug=DEMO_SLUG)
    if existing is not None:
        return DemoResult(workspace=existing, created=False)
    workspace = workspaces.create_workspace(
        session,
        data=WorkspaceCreate(
            slug=DEMO_SLUG, name=DEMO_NAME, default_language="ar", time_zone="Asia/Riyadh"
        ),
        actor=SYSTEM_ACTOR,
    )
    members = [
        workspaces.add_member(
            session,
            workspace_id=workspace.id,
            actor=SYSTEM_ACTOR,
            data=UserCreate(
                email=email, display_name=display_name, role=role, password=DEMO_PASSWORD
            ),
        )
        for email, display_name, role in DEMO_USERS
    ]
    generator = _Generator(seed=seed, now=now, ids=_ensure_channels(session, workspace.id))
    first_seen_of: dict[int, datetime] = {}
    for index in range(customer_count):
        display, language, identities, attributes = generator.person(index)
        first_seen = now - timedelta(days=generator.random.uniform(0, HISTORY_DAYS))
        customer = customers.create_customer(
            session,
            workspace_id=workspace.id,
            display_name=display,
            language=language,
            attributes=attributes,
            identities=identities,
            first_seen_at=first_seen,
        )
        session.flush()
        first_seen_of[customer.id] = first_seen
        generator.history(customer.id, first_seen, attributes["tier"])
    events.add_events(session, workspace_id=workspace.id, rows=generator.events)
    events.add_transactions(session, workspace_id=workspace.id, rows=generator.transactions)
    # Bulk rows bypass the ingestion path, so the list's value columns are filled here.
    customers.refresh_value_summary(
        session, workspace_id=workspace.id, customer_ids=list(first_seen_of)
    )
    feedback = demo_feedback(
        seed=seed,
        now=now,
        events=generator.events,
        first_seen=first_seen_of,
        texts=demo_texts(),
        touchpoint_ids=generator.ids["touchpoint"],
        channel_ids={
            channel.key: channel.id
            for channel in journeys.list_channels(session, workspace_id=workspace.id)
        },
    )
    record_new_feedback(session, workspace_id=workspace.id, items=feedback)
    customers.refresh_last_seen(
        session, workspace_id=workspace.id, last_seen=_last_seen(first_seen_of, generator, feedback)
    )
    load_demo_surveys(session, workspace_id=workspace.id, now=now, customer_ids=list(first_seen_of))
    load_demo_journeys(session, workspace_id=workspace.id)
    _annotate_texts(session, workspace_id=workspace.id)
    load_demo_segments(session, workspace_id=workspace.id)
    # The first demo user, the admin, owns the goals.
    load_demo_goals(
        session, workspace_id=workspace.id, owner_id=members[0].user_id, today=now.date()
    )
    record_audit(
        session,
        workspace_id=workspace.id,
        actor=SYSTEM_ACTOR,
        action="demo.load",
        object_type="workspace",
        object_id=workspace.id,
        details={
            "customers": customer_count,
            "events": len(generator.events),
            "transactions": len(generator.transactions),
            "feedback": len(feedback),
        },
    )
    return DemoResult(
        workspace=workspace,
        created=True,
        customer_count=customer_count,
        event_count=len(generator.events),
        transaction_count=len(generator.transactions),
    )


def _last_seen(
    first_seen: dict[int, datetime], generator: _Generator, feedback: list[NewFeedback]
) -> dict[int, datetime]:
    """Each customer's latest event or text (survey answers aside, as ingestion counts them);
    a customer with neither was last seen when first seen."""
    last_seen = {
        customer_id: generator.last_event_at.get(customer_id, since)
        for customer_id, since in first_seen.items()
    }
    for item in feedback:
        if item.customer_id is not None and item.created_at > last_seen[item.customer_id]:
            last_seen[item.customer_id] = item.created_at
    return last_seen


def _annotate_texts(session: Session, *, workspace_id: int) -> None:
    """Analyse the demo's texts now: `nabd demo` has no queue, and the explorer should be full."""
    annotator = annotator_for(session, workspace_id=workspace_id)
    while ids := unannotated_ids(session, workspace_id=workspace_id, limit=1000):
        if not annotate_items(
            session, workspace_id=workspace_id, item_ids=ids, annotator=annotator
        ):
            break
