"""Data-subject rights: the export holds everything, the erasure leaves nothing personal."""

import io
import json
import zipfile

from sqlalchemy import MetaData, Table, func, inspect, select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR, AuditLogEntry
from nabd.customers import merging, privacy, service
from nabd.customers.models import CustomerErasure
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.surveys.models import SurveyResponse
from nabd.surveys.responses import record_response
from nabd.surveys.schemas import ResponseIn
from nabd.text.annotations_service import annotate_items
from nabd.text.normalize import normalize_for_search
from nabd.text.pipeline import analyze
from tests.customers.factories import add_history, make_customer, make_places
from tests.factories import make_workspace
from tests.surveys.factories import make_survey, question_ids

NAME = "نورة القحطاني"
EMAIL = "noura.q@example.com"
PHONE = "+966512345678"
EXTERNAL_ID = "CRM-NOURA-77"
TEXT = "موظف الفرع كان متعاونا جدا، شكرا لكم"
SURVEY_TEXT = "التطبيق يعلق عند الدفع كل مرة"


def _customer_with_history(session: Session):  # type: ignore[no-untyped-def]
    workspace = make_workspace(session)
    channel, touchpoint = make_places(session, workspace)
    customer = make_customer(
        session,
        workspace,
        NAME,
        email=EMAIL,
        phone=PHONE,
        external_id=EXTERNAL_ID,
        attributes={"city": "الرياض", "birthday": "1990-04-02"},
    )
    add_history(
        session, workspace, customer, channel=channel, touchpoint=touchpoint, feedback_text=TEXT
    )
    service.set_contact_preferences(
        session,
        workspace_id=workspace.id,
        customer_id=customer.id,
        opted_out={"sms": True},
        actor=SYSTEM_ACTOR,
    )
    bystander = make_customer(session, workspace, "Bystander", email="b@example.com")
    add_history(session, workspace, bystander, order_prefix="B", feedback_text="bystander words")
    survey = make_survey(session, workspace)
    ids = question_ids(survey)
    record_response(
        session,
        survey=survey,
        data=ResponseIn.model_validate(
            {
                "customer": {"email": EMAIL},
                "answers": [
                    {"question_id": ids["nps"], "value": 3},
                    {"question_id": ids["what_went_wrong"], "value": SURVEY_TEXT},
                ],
            }
        ),
        default_language="ar",
    )
    # A merge undone later keeps a copy of the customer's profile in its record.
    record = merging.merge_customers(
        session,
        workspace_id=workspace.id,
        target_id=bystander.id,
        source_id=customer.id,
        actor=SYSTEM_ACTOR,
    )
    merging.unmerge(session, workspace_id=workspace.id, merge_id=record.id, actor=SYSTEM_ACTOR)
    session.commit()
    customer = service.get_customer(session, workspace_id=workspace.id, customer_id=customer.id)
    return workspace, customer, bystander


def test_export_contains_everything(session: Session) -> None:
    workspace, customer, _ = _customer_with_history(session)
    document = privacy.export_customer(
        session, workspace_id=workspace.id, customer_id=customer.id, actor=SYSTEM_ACTOR
    )
    session.commit()
    assert document["customer"]["display_name"] == NAME
    assert document["customer"]["attributes"]["birthday"] == "1990-04-02"
    assert {(i["kind"], i["value"]) for i in document["identities"]} == {
        ("email", EMAIL),
        ("phone", PHONE),
        ("external_id", EXTERNAL_ID),
    }
    assert document["contact_preferences"]["sms"] == {"opted_out": True}
    assert len(document["events"]) == 3
    seen = f"seen-SO-{customer.id}@mail.example"
    assert document["events"][0]["properties"]["email_seen"] == seen
    assert document["transactions"][0]["amount"] == "250.50"
    assert document["transactions"][0]["items"] == [
        {"sku": "X1", "buyer_note": f"gift for SO-{customer.id}"}
    ]
    assert sorted(f["text"] for f in document["feedback"]) == sorted([TEXT, SURVEY_TEXT])
    assert [r["answers"] for r in document["survey_responses"]] == [
        {"nps": 3, "what_went_wrong": SURVEY_TEXT}
    ]
    assert [entry["action"] for entry in document["audit_log"]] == [
        "customer.contact_preferences",
        "customer.unmerge",
    ]
    assert "bystander" not in json.dumps(document, ensure_ascii=False)
    assert (
        session.scalar(
            select(func.count(AuditLogEntry.id)).where(AuditLogEntry.action == "customer.export")
        )
        == 1
    )

    archive = zipfile.ZipFile(io.BytesIO(privacy.export_archive(document)))
    assert sorted(archive.namelist()) == ["README.txt", "customer.json"]
    assert json.loads(archive.read("customer.json")) == document
    assert "customer.json" in archive.read("README.txt").decode()


def _every_value_in_the_database(session: Session) -> str:
    """Every cell of every table, including tables of domains this test knows nothing of."""
    cells: list[str] = []
    bind = session.get_bind()
    reflected = MetaData()
    for name in inspect(bind).get_table_names():
        table = Table(name, reflected, autoload_with=bind)
        for row in session.execute(select(table)):
            cells.extend(str(value) for value in row)
    return "\n".join(cells)


def test_erasure_leaves_nothing_personal_anywhere(session: Session) -> None:
    workspace, customer, bystander = _customer_with_history(session)
    customer_id = customer.id
    # Text analysis derives text of its own: key phrases and the folded search form.
    item_ids = session.scalars(select(FeedbackItem.id)).all()
    annotate_items(session, workspace_id=workspace.id, item_ids=item_ids)
    session.commit()
    derived = (*analyze([TEXT])[0].key_phrases, normalize_for_search(TEXT))
    before = _every_value_in_the_database(session)
    for secret in derived:
        assert secret in before
    traces = (f"seen-SO-{customer_id}@mail.example", f"gift for SO-{customer_id}")
    for secret in (NAME, EMAIL, PHONE, EXTERNAL_ID, TEXT, SURVEY_TEXT, "noura", *traces):
        assert secret in before

    receipt = privacy.erase_customer(
        session, workspace_id=workspace.id, customer_id=customer_id, actor=SYSTEM_ACTOR
    )
    session.commit()
    assert receipt.feedback_deleted == 2
    assert receipt.events_anonymised == 3

    after = _every_value_in_the_database(session)
    for secret in (
        NAME,
        EMAIL,
        PHONE,
        PHONE.removeprefix("+"),
        "512345678",
        EXTERNAL_ID,
        EXTERNAL_ID.lower(),
        "noura",
        "نوره",
        TEXT,
        SURVEY_TEXT,
        "1990-04-02",
        f"SO-{customer_id}",
        f"SO-evt-{customer_id}-",
        "for Ahmed",
        *derived,
    ):
        assert secret not in after, secret
    # Events and purchases still count, anonymously; the bystander is untouched.
    assert session.scalar(select(func.count(Event.id)).where(Event.customer_id.is_(None))) == 3
    anonymous = session.scalars(select(Transaction).where(Transaction.customer_id.is_(None))).one()
    assert anonymous.amount == 250.50 and anonymous.currency == "SAR" and anonymous.items == []
    assert "bystander words" in after and "b@example.com" in after
    assert len(service.all_customer_ids(session, workspace_id=workspace.id)) == 1
    assert session.scalars(select(CustomerErasure.customer_id)).all() == [customer_id]
    audit = session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.action == "customer.erase")
    ).one()
    assert audit.object_id == str(customer_id)
    assert audit.details["feedback_deleted"] == 2
    # The score still counts, anonymously.
    assert session.scalars(select(SurveyResponse.customer_id)).all() == [None]
    assert service.get_customer(session, workspace_id=workspace.id, customer_id=bystander.id)
