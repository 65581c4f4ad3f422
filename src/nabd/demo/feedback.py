"""The demo's customer texts outside surveys: branch reviews, tweets, tickets, chats, call notes.

Texts are real public-dataset texts (`data/demo_texts.csv`, see `data/README.md`): Arabic
reviews of Saudi places become star-rated branch reviews, airline tweets become social posts,
and negative or neutral texts become the words of the service contacts (tickets) that the
behaviour generator opened, with their reply and resolution times.
"""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from nabd.feedback.service import NewFeedback

REVIEW_SHARE = 0.3
TICKET_TEXT_SHARE = 0.6
STARS = {"positive": (4, 5), "neutral": (3, 3), "negative": (1, 2)}
BRANCHES = ("store_riyadh", "store_jeddah", "store_dammam")
# The support touchpoint a ticket was opened on decides what kind of text it left.
AGENT_REPLY = {
    "ar": "شكرًا لتواصلك معنا، نعمل على حل المشكلة الآن.",
    "en": "Thank you for reaching out; we are working on it now.",
}
SOURCE_OF_TOUCHPOINT = {
    "call_support": "call_note",
    "chat_support": "chat",
    "whatsapp_support": "ticket",
}


def _iso(value: datetime) -> str:
    return value.isoformat()


def _ticket_texts(
    rng: random.Random,
    *,
    events: Sequence[dict[str, Any]],
    texts: Sequence[dict[str, str]],
    touchpoint_keys: dict[int, str],
) -> list[NewFeedback]:
    resolved = {
        event["properties"]["ticket_id"]: event["occurred_at"]
        for event in events
        if event["type"] == "ticket_resolved"
    }
    unhappy = [row for row in texts if row["sentiment"] in ("negative", "neutral")]
    items = []
    for event in events:
        if event["type"] != "ticket_opened" or rng.random() > TICKET_TEXT_SHARE:
            continue
        ticket_id = event["properties"]["ticket_id"]
        opened: datetime = event["occurred_at"]
        solved = resolved.get(ticket_id)
        source = SOURCE_OF_TOUCHPOINT[touchpoint_keys[event["touchpoint_id"]]]
        row = rng.choice(unhappy)
        ticket: dict[str, Any] = {"status": "solved" if solved else "open"}
        if solved is not None:
            ticket["first_reply_at"] = _iso(opened + (solved - opened) * rng.uniform(0.05, 0.5))
            ticket["resolved_at"] = _iso(solved)
        details: dict[str, Any] = {"ticket": ticket}
        if source == "chat":
            details["turns"] = [
                {"author": "customer", "text": row["text"], "at": _iso(opened)},
                {
                    "author": "agent",
                    "text": AGENT_REPLY.get(row["language"], AGENT_REPLY["ar"]),
                    "at": _iso(opened + timedelta(minutes=2)),
                },
            ]
        items.append(
            NewFeedback(
                source=source,
                external_id=f"demo-{ticket_id}",
                text=row["text"],
                created_at=opened,
                customer_id=event["customer_id"],
                channel_id=event["channel_id"],
                touchpoint_id=event["touchpoint_id"],
                language=row["language"],
                details=details,
            )
        )
    return items


def _reviews(
    rng: random.Random,
    *,
    now: datetime,
    first_seen: dict[int, datetime],
    texts: Sequence[dict[str, str]],
    touchpoint_ids: dict[str, int],
    channel_ids: dict[str, int],
) -> list[NewFeedback]:
    arabic = [row for row in texts if row["language"] == "ar"]
    tweets = [row for row in texts if row["dataset"] == "us_airline"]
    items = []
    for customer_id, since in first_seen.items():
        if rng.random() > REVIEW_SHARE:
            continue
        at = since + (now - since) * rng.random()
        if rng.random() < 0.8:
            row = rng.choice(arabic)
            branch = rng.choice(BRANCHES)
            low, high = STARS.get(row["sentiment"], (3, 3))
            items.append(
                NewFeedback(
                    source="review",
                    external_id=f"demo-review-{customer_id}",
                    text=row["text"],
                    created_at=at,
                    customer_id=customer_id,
                    channel_id=channel_ids["store"],
                    touchpoint_id=touchpoint_ids[branch],
                    language="ar",
                    rating=Decimal(rng.randint(low, high)),
                    rating_scale_max=5,
                )
            )
        else:
            row = rng.choice(tweets)
            items.append(
                NewFeedback(
                    source="social",
                    external_id=f"demo-post-{customer_id}",
                    text=row["text"],
                    created_at=at,
                    customer_id=customer_id,
                    channel_id=channel_ids["social"],
                    touchpoint_id=touchpoint_ids["social_instagram"],
                    language="en",
                )
            )
    return items


def demo_feedback(
    *,
    seed: int,
    now: datetime,
    events: Sequence[dict[str, Any]],
    first_seen: dict[int, datetime],
    texts: Sequence[dict[str, str]],
    touchpoint_ids: dict[str, int],
    channel_ids: dict[str, int],
) -> list[NewFeedback]:
    """Every non-survey text of the demo, drawn from a fixed seed."""
    rng = random.Random(seed)
    touchpoint_keys = {touchpoint_id: key for key, touchpoint_id in touchpoint_ids.items()}
    return [
        *_ticket_texts(rng, events=events, texts=texts, touchpoint_keys=touchpoint_keys),
        *_reviews(
            rng,
            now=now,
            first_seen=first_seen,
            texts=texts,
            touchpoint_ids=touchpoint_ids,
            channel_ids=channel_ids,
        ),
    ]
