"""POST /api/v1/feedback: texts from any channel, stored once per (source, external_id)."""

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.customers.models import Customer
from nabd.feedback.models import FeedbackItem
from tests.events.factories import T0, bearer
from tests.factories import make_workspace

REVIEW = {
    "external_id": "gmaps-1",
    "source": "review",
    "text": "التوصيل تأخر ثلاثة أيام",
    "rating": 2,
    "customer": {"email": "reviewer@example.com"},
    "created_at": T0.isoformat(),
}
CHAT = {
    "external_id": "chat-77",
    "source": "chat",
    "customer": {"phone": "0551234567"},
    "created_at": T0.isoformat(),
    "turns": [
        {"author": "customer", "text": "وين طلبي؟", "at": T0.isoformat()},
        {"author": "agent", "text": "نعتذر، سيصل اليوم"},
        {"author": "customer", "text": "شكرا"},
    ],
}
TICKET = {
    "external_id": "ZD-5",
    "source": "ticket",
    "text": "The refund never arrived",
    "created_at": T0.isoformat(),
    "ticket": {"status": "solved", "first_reply_at": T0.isoformat(), "resolution": "refunded"},
}


def test_texts_are_stored_and_repeats_ignored(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    batch = {"items": [REVIEW, CHAT, TICKET, REVIEW]}
    first = client.post("/api/v1/feedback", json=batch, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 3, "duplicates": 1, "rejected": []}
    again = client.post("/api/v1/feedback", json=batch, headers=headers).json()
    assert (again["accepted"], again["duplicates"]) == (0, 4)

    items = {item.external_id: item for item in session.scalars(select(FeedbackItem))}
    assert len(items) == 3
    assert items["gmaps-1"].text == "التوصيل تأخر ثلاثة أيام"
    assert items["gmaps-1"].rating_scale_max == 5 and items["gmaps-1"].customer_id is not None
    chat = items["chat-77"]
    assert chat.text == "وين طلبي؟\nشكرا"
    assert [turn["author"] for turn in chat.details["turns"]] == ["customer", "agent", "customer"]
    assert items["ZD-5"].details["ticket"]["resolution"] == "refunded"
    assert items["ZD-5"].customer_id is None


def test_bad_texts_are_rejected_one_by_one(client: TestClient, session: Session) -> None:
    workspace = make_workspace(session)
    batch = {
        "items": [
            {**REVIEW, "external_id": "long", "text": "x" * 20_001},
            {**REVIEW, "external_id": "survey", "source": "survey"},
            {**REVIEW, "external_id": "empty", "text": "   "},
            {**REVIEW, "external_id": "rating", "rating": 9},
            {**REVIEW, "external_id": "naive", "created_at": "2026-05-01T08:00:00"},
            {**REVIEW, "external_id": "fine"},
        ]
    }
    body = client.post("/api/v1/feedback", json=batch, headers=bearer(session, workspace)).json()
    assert body["accepted"] == 1
    assert [(r["index"], r["field"]) for r in body["rejected"]] == [
        (0, "text"),
        (1, "source"),
        (2, ""),
        (3, ""),
        (4, "created_at"),
    ]
    assert session.scalars(select(FeedbackItem.external_id)).all() == ["fine"]


def test_a_customer_first_named_by_a_text_speaks_its_declared_language(
    client: TestClient, session: Session
) -> None:
    workspace = make_workspace(session)
    headers = bearer(session, workspace)
    review = {**REVIEW, "language": "ar"}
    assert client.post("/api/v1/feedback", json={"items": [review]}, headers=headers).is_success
    item = session.scalar(select(FeedbackItem))
    assert item is not None and item.customer_id is not None
    customer = session.get_one(Customer, item.customer_id)
    assert customer.language == "ar" and customer.first_seen_at is not None
