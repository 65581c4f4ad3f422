"""The feedback stream's contract: texts stored as written, idempotent on the origin's id."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.customers.models import Customer
from nabd.customers.service import create_customer
from nabd.feedback.models import FeedbackItem
from nabd.feedback.service import record_feedback
from tests.factories import make_workspace

WRITTEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_text_is_stored_exactly_as_written(session: Session) -> None:
    workspace = make_workspace(session)
    raw = "  الخدمة رااائعة 😍 بس التوصيل تأخّر ٣ أيام!!  "
    item, created = record_feedback(
        session,
        workspace_id=workspace.id,
        source="review",
        text=raw,
        created_at=WRITTEN,
        rating=Decimal(4),
        rating_scale_max=5,
    )
    session.commit()
    session.expire_all()
    assert created and session.get(FeedbackItem, item.id).text == raw


def test_same_external_id_is_stored_once(session: Session) -> None:
    workspace = make_workspace(session)
    first, created = record_feedback(
        session,
        workspace_id=workspace.id,
        source="ticket",
        text="Refund still missing",
        created_at=WRITTEN,
        external_id="ZD-1001",
    )
    again, created_again = record_feedback(
        session,
        workspace_id=workspace.id,
        source="ticket",
        text="edited text",
        created_at=WRITTEN,
        external_id="ZD-1001",
    )
    session.commit()
    assert created and not created_again and again.id == first.id
    assert session.scalar(select(func.count(FeedbackItem.id))) == 1
    # The same id from another source is another item.
    record_feedback(
        session,
        workspace_id=workspace.id,
        source="chat",
        text="hi",
        created_at=WRITTEN,
        external_id="ZD-1001",
    )
    session.commit()
    assert session.scalar(select(func.count(FeedbackItem.id))) == 2


def test_unknown_source_is_refused(session: Session) -> None:
    workspace = make_workspace(session)
    with pytest.raises(ValueError, match="unknown feedback source"):
        record_feedback(
            session, workspace_id=workspace.id, source="pigeon", text="x", created_at=WRITTEN
        )


def test_deleting_a_customer_deletes_their_texts(session: Session) -> None:
    workspace = make_workspace(session)
    customer = create_customer(
        session,
        workspace_id=workspace.id,
        display_name="Reem",
        language="ar",
        attributes={},
        identities=[("email", "r@x.example")],
    )
    session.flush()
    record_feedback(
        session,
        workspace_id=workspace.id,
        source="chat",
        text="سري جداً",
        created_at=WRITTEN,
        customer_id=customer.id,
    )
    session.commit()
    session.delete(session.get(Customer, customer.id))
    session.commit()
    assert session.scalar(select(func.count(FeedbackItem.id))) == 0
