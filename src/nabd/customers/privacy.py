"""Data-subject rights (PDPL, GDPR): export everything held about a customer, or erase it.

Erasure keeps the business's counts honest without keeping the person: events and
transactions are detached and stripped to type, time, place and amount; the customer's own
words (feedback items), identities, attributes, preferences and search terms are deleted.
"""

import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, cast, delete, func, select, update
from sqlalchemy.orm import Session

from nabd.analytics.tasks import forget_customer_soon
from nabd.core.audit import Actor, AuditLogEntry, record_audit
from nabd.core.types import utcnow
from nabd.customers.merge_models import CustomerMerge
from nabd.customers.models import (
    ContactPreference,
    CustomerErasure,
    CustomerIdentity,
    CustomerSearchTerm,
)
from nabd.customers.profile import spend_by_currency
from nabd.customers.service import contact_preferences, get_customer
from nabd.events.models import Event, Transaction
from nabd.events.writers import exclude_event_writers
from nabd.feedback.models import FeedbackItem
from nabd.surveys.models import SurveyAnswer, SurveyQuestion, SurveyResponse
from nabd.surveys.responses import answer_value

EXPORT_FORMAT_VERSION = 1
ERASED_ORDER_PREFIX = "erased-"

README = """nabd - personal data export / تصدير البيانات الشخصية

customer.json holds everything this nabd workspace stores about one customer:
the profile and its attributes, every identity (e-mail, phone, external and anonymous ids),
contact preferences, purchase totals, every event, every transaction, every text the
customer wrote (feedback), every survey response with its answers and the audit log of
changes made to the profile.
Times are UTC in ISO 8601; amounts are decimal strings with their currency.

يحتوي الملف customer.json على كل ما تحفظه مساحة العمل هذه في نبض عن العميل:
الملف الشخصي وسماته، وكل المعرّفات (البريد الإلكتروني والهاتف والمعرّفات الخارجية والمجهولة)،
وتفضيلات التواصل، وإجمالي المشتريات، وكل الأحداث والمعاملات، وكل نص كتبه العميل (الملاحظات)،
وكل ردوده على الاستبيانات، وسجل التدقيق للتغييرات على الملف.
الأوقات بالتوقيت العالمي المنسق بصيغة ISO 8601.
"""


@dataclass(frozen=True)
class ErasureReceipt:
    """What an erasure did, in counts only."""

    customer_id: int
    identities_deleted: int
    feedback_deleted: int
    events_anonymised: int
    transactions_anonymised: int


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def export_customer(
    session: Session, *, workspace_id: int, customer_id: int, actor: Actor
) -> dict[str, Any]:
    """Every row that refers to the customer, as a JSON-ready document; the export is audited."""
    customer = get_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    scope = {"workspace_id": workspace_id, "customer_id": customer_id}
    events = session.scalars(select(Event).filter_by(**scope).order_by(Event.occurred_at, Event.id))
    transactions = session.scalars(
        select(Transaction).filter_by(**scope).order_by(Transaction.occurred_at, Transaction.id)
    )
    feedback = session.scalars(
        select(FeedbackItem).filter_by(**scope).order_by(FeedbackItem.created_at, FeedbackItem.id)
    )
    answers = session.execute(
        select(SurveyResponse, SurveyQuestion.key, SurveyAnswer)
        .join(SurveyAnswer, SurveyAnswer.response_id == SurveyResponse.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(
            SurveyResponse.workspace_id == workspace_id, SurveyResponse.customer_id == customer_id
        )
        .order_by(SurveyResponse.submitted_at, SurveyResponse.id, SurveyQuestion.position)
    )
    responses: dict[int, dict[str, Any]] = {}
    for response, question_key, answer in answers:
        entry = responses.setdefault(
            response.id,
            {
                "id": response.id,
                "survey_id": response.survey_id,
                "submitted_at": _iso(response.submitted_at),
                "language": response.language,
                "channel_id": response.channel_id,
                "answers": {},
            },
        )
        entry["answers"][question_key] = answer_value(answer)
    audit = session.scalars(
        select(AuditLogEntry)
        .where(
            AuditLogEntry.workspace_id == workspace_id,
            AuditLogEntry.object_type == "customer",
            AuditLogEntry.object_id == str(customer_id),
        )
        .order_by(AuditLogEntry.id)
    )
    document = {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": _iso(utcnow()),
        "customer": {
            "id": customer.id,
            "display_name": customer.display_name,
            "language": customer.language,
            "attributes": customer.attributes,
            "created_at": _iso(customer.created_at),
            "first_seen_at": _iso(customer.first_seen_at),
            "last_seen_at": _iso(customer.last_seen_at),
        },
        "identities": [
            {"kind": i.kind, "value": i.value, "created_at": _iso(i.created_at)}
            for i in customer.identities
        ],
        "contact_preferences": {
            channel: {"opted_out": opted_out}
            for channel, opted_out in contact_preferences(session, **scope).items()
        },
        "value": [
            {
                "currency": v.currency,
                "total": str(v.total),
                "order_count": v.order_count,
                "first_purchase_at": _iso(v.first_purchase_at),
                "last_purchase_at": _iso(v.last_purchase_at),
            }
            for v in spend_by_currency(session, **scope)
        ],
        "events": [
            {
                "id": e.id,
                "type": e.type,
                "occurred_at": _iso(e.occurred_at),
                "channel_id": e.channel_id,
                "touchpoint_id": e.touchpoint_id,
                "client_event_id": e.client_event_id,
                "properties": e.properties,
            }
            for e in events
        ],
        "transactions": [
            {
                "id": t.id,
                "order_id": t.order_id,
                "amount": str(t.amount),
                "currency": t.currency,
                "occurred_at": _iso(t.occurred_at),
                "channel_id": t.channel_id,
                "category": t.category,
                "items": t.items,
            }
            for t in transactions
        ],
        "feedback": [
            {
                "id": f.id,
                "source": f.source,
                "external_id": f.external_id,
                "text": f.text,
                "language": f.language,
                "rating": None if f.rating is None else str(f.rating),
                "rating_scale_max": f.rating_scale_max,
                "created_at": _iso(f.created_at),
                "channel_id": f.channel_id,
                "touchpoint_id": f.touchpoint_id,
                "details": f.details,
            }
            for f in feedback
        ],
        "survey_responses": list(responses.values()),
        "audit_log": [
            {
                "action": entry.action,
                "actor": entry.actor_label,
                "details": entry.details,
                "created_at": _iso(entry.created_at),
            }
            for entry in audit
        ],
    }
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="customer.export",
        object_type="customer",
        object_id=customer_id,
    )
    return document


def export_archive(document: dict[str, Any]) -> bytes:
    """The export as a ZIP: customer.json and a bilingual README."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", json.dumps(document, ensure_ascii=False, indent=2))
        archive.writestr("README.txt", README)
    return buffer.getvalue()


def _count(session: Session, model: Any, workspace_id: int, customer_id: int) -> int:
    return (
        session.scalar(
            select(func.count(model.id)).where(
                model.workspace_id == workspace_id, model.customer_id == customer_id
            )
        )
        or 0
    )


def erase_customer(
    session: Session, *, workspace_id: int, customer_id: int, actor: Actor
) -> ErasureReceipt:
    """Irreversibly remove the person; the audit row records counts, never the erased data."""
    # No batch in flight stores an event of the customer after its events are anonymised.
    exclude_event_writers(session, workspace_id=workspace_id)
    customer = get_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    scope = (workspace_id, customer_id)
    receipt = ErasureReceipt(
        customer_id=customer_id,
        identities_deleted=_count(session, CustomerIdentity, *scope),
        feedback_deleted=_count(session, FeedbackItem, *scope),
        events_anonymised=_count(session, Event, *scope),
        transactions_anonymised=_count(session, Transaction, *scope),
    )
    session.execute(
        update(Event)
        .where(Event.workspace_id == workspace_id, Event.customer_id == customer_id)
        .values(customer_id=None, client_event_id=None, properties={})
    )
    session.execute(
        update(Transaction)
        .where(Transaction.workspace_id == workspace_id, Transaction.customer_id == customer_id)
        # The origin's order number leads back to the person; the row id keeps it unique.
        .values(
            customer_id=None,
            order_id=ERASED_ORDER_PREFIX + cast(Transaction.id, String),
            items=[],
        )
    )
    _detach_survey_responses(session, workspace_id=workspace_id, customer_id=customer_id)
    session.execute(
        delete(FeedbackItem).where(
            FeedbackItem.workspace_id == workspace_id, FeedbackItem.customer_id == customer_id
        )
    )
    for model in (CustomerSearchTerm, ContactPreference):
        session.execute(
            delete(model).where(
                model.workspace_id == workspace_id, model.customer_id == customer_id
            )
        )
    # A merge record keeps a copy of its source profile (records where the customer is the
    # target go with the customer row).
    session.execute(
        delete(CustomerMerge).where(
            CustomerMerge.workspace_id == workspace_id,
            CustomerMerge.source_customer_id == customer_id,
        )
    )
    session.delete(customer)
    session.add(CustomerErasure(workspace_id=workspace_id, customer_id=customer_id))
    # The snapshot's copy goes right after the commit; the tombstone covers a failed job.
    forget_customer_soon(session, workspace_id=workspace_id, customer_id=customer_id)
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="customer.erase",
        object_type="customer",
        object_id=customer_id,
        details={
            "identities_deleted": receipt.identities_deleted,
            "feedback_deleted": receipt.feedback_deleted,
            "events_anonymised": receipt.events_anonymised,
            "transactions_anonymised": receipt.transactions_anonymised,
        },
    )
    session.flush()
    return receipt


def _detach_survey_responses(session: Session, *, workspace_id: int, customer_id: int) -> None:
    """Keep the scores counting in the metrics; drop the link to the person and their words.

    Numeric answers stay, so the metric rollups remain equal to the raw answers without a
    change; text answers, the customer id and the invitation key are removed.
    """
    responses = select(SurveyResponse.id).where(
        SurveyResponse.workspace_id == workspace_id, SurveyResponse.customer_id == customer_id
    )
    session.execute(
        delete(SurveyAnswer).where(
            SurveyAnswer.workspace_id == workspace_id,
            SurveyAnswer.response_id.in_(responses),
            SurveyAnswer.text.is_not(None),
        )
    )
    session.execute(
        update(SurveyResponse)
        .where(
            SurveyResponse.workspace_id == workspace_id, SurveyResponse.customer_id == customer_id
        )
        .values(customer_id=None, idempotency_key=None)
    )
