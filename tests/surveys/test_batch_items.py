"""The batch path's plain-dict validation and bulk customer creation against the single
path's models and per-customer creation, on a real database."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.customers.models import Customer, CustomerIdentity, CustomerSearchTerm
from nabd.customers.references import using_phone_region
from nabd.customers.search import customer_terms
from nabd.surveys import responses as recording
from nabd.surveys.batch_items import (
    _ITEM,
    BatchAnswer,
    BatchCustomer,
    BatchItem,
    plain,
    validated_items,
)
from nabd.surveys.schemas import AnswerIn, BatchItemIn, CustomerRef
from tests.factories import make_workspace
from tests.surveys.factories import make_survey, question_ids

ITEMS: list[Any] = [
    {},
    {"answers": [{"question_id": 1, "value": 9}], "idempotency_key": "k"},
    {"answers": [{"question_id": "7"}, {"question_id": 7.0, "value": None}]},
    {"answers": [{"question_id": True, "value": [1, "a"]}]},
    {"answers": [{"question_id": 1.5}]},
    {"answers": [{"value": 3}]},
    {"answers": [{"question_id": 1, "value": 3, "extra": 1}]},
    {"answers": [{"question_id": n} for n in range(101)]},
    {"answers": None},
    {"answers": "x"},
    {"customer": {"external_id": "  CRM-1  "}},
    {"customer": {"external_id": "   "}},
    {"customer": {"external_id": None, "email": " Sara@Example.COM "}},
    {"customer": {"email": "no-at-sign"}},
    {"customer": {"phone": "050 123 4567"}},
    {"customer": {"phone": "+966 50 123 4567", "external_id": "x"}},
    {"customer": {"phone": "12"}},
    {"customer": {"phone": "not a phone"}},
    {"customer": {}},
    {"customer": {"external_id": None}},
    {"customer": None},
    {"customer": {"id": 5}},
    {"customer": {"external_id": "x" * 200}},
    {"customer": {"external_id": "x" * 201}},
    {"customer": "CRM-1"},
    {"channel": "web", "language": "ar"},
    {"channel": "w" * 51},
    {"channel": 5},
    {"language": "fr"},
    {"language": None, "channel": None, "idempotency_key": None},
    {"submitted_at": "2026-01-02T03:04:05+03:00"},
    {"submitted_at": "2026-01-02T03:04:05"},
    {"submitted_at": "yesterday"},
    {"submitted_at": 1767322800},
    {"completed": False},
    {"completed": "yes"},
    {"completed": "false"},
    {"completed": 1},
    {"completed": None},
    {"idempotency_key": ""},
    {"idempotency_key": "k" * 201},
    {"idempotency_key": 7},
    {"unknown": 1},
    [],
    "item",
    None,
]


def _filled(item: BatchItem) -> dict[str, Any]:
    """A dict item with the model's defaults for the keys it leaves out."""
    customer = item.get("customer")
    return {
        "answers": [
            {"question_id": a["question_id"], "value": a.get("value")}
            for a in item.get("answers", [])
        ],
        "channel": item.get("channel"),
        "language": item.get("language"),
        "submitted_at": item.get("submitted_at"),
        "completed": item.get("completed", True),
        "idempotency_key": item.get("idempotency_key"),
        "customer": None
        if customer is None
        else {kind: customer.get(kind) for kind in ("external_id", "email", "phone")},
    }


@pytest.mark.parametrize("raw", ITEMS)
def test_the_dicts_accept_and_make_what_the_model_does(raw: Any) -> None:
    with using_phone_region("SA"):
        try:
            model: BatchItemIn | None = BatchItemIn.model_validate(raw)
        except ValidationError:
            model = None
        try:
            quick: BatchItem | None = _ITEM.validate_python(raw)
        except ValidationError:
            quick = None
        [checked] = validated_items([raw])
    assert (quick is None) == (model is None)
    if model is None:
        assert isinstance(checked, ValidationError)
        with pytest.raises(ValidationError) as error, using_phone_region("SA"):
            BatchItemIn.model_validate(raw)
        assert checked.json() == error.value.json()
    else:
        assert quick is not None and not isinstance(checked, ValidationError)
        assert _filled(quick) == _filled(plain(model)) == _filled(checked)


@pytest.mark.parametrize(
    ("plain_dict", "model"),
    [(BatchItem, BatchItemIn), (BatchCustomer, CustomerRef), (BatchAnswer, AnswerIn)],
)
def test_the_dicts_have_the_models_fields(plain_dict: Any, model: type[BaseModel]) -> None:
    assert set(plain_dict.__annotations__) == set(model.model_fields)


def test_a_whole_list_and_its_items_one_by_one_agree() -> None:
    with using_phone_region("SA"):
        together = validated_items(ITEMS)
        alone = [validated_items([raw])[0] for raw in ITEMS]
    assert [isinstance(c, ValidationError) for c in together] == [
        isinstance(c, ValidationError) for c in alone
    ]
    good = [{"answers": [], "customer": {"external_id": f"c{n}"}} for n in range(3)]
    assert validated_items(good) == good


def _customers(session: Session, workspace_id: int) -> list[tuple[str | None, set[Any]]]:
    rows = session.scalars(
        select(Customer).where(Customer.workspace_id == workspace_id).order_by(Customer.id)
    ).all()
    return [(c.language, {(i.kind, i.value) for i in c.identities}) for c in rows]


def test_first_seen_customers_are_created_together_as_one_by_one(session: Session) -> None:
    workspace = make_workspace(session)
    survey = make_survey(session, workspace)
    nps = question_ids(survey)["nps"]
    refs: list[dict[str, str]] = [
        {"external_id": "a", "email": "a@example.com"},
        {"email": "a@example.com"},
        {"external_id": "b"},
        {"email": "b@example.com", "external_id": "b"},
        {"phone": "+966501234567"},
        {"external_id": "a"},
    ]
    items = [
        {
            "customer": ref,
            "language": "en" if n % 2 else "ar",
            "answers": [{"question_id": nps, "value": n}],
        }
        for n, ref in enumerate(refs)
    ]
    with using_phone_region("SA"):
        result = recording.record_batch(session, survey=survey, items=items, default_language="ar")
    session.flush()
    assert result.accepted == 6
    # The first reference to name a customer creates it, in that item's language, with all
    # of that reference's identities; later ones naming any of them find it, and teach it
    # the identities they add (b's e-mail).
    assert _customers(session, workspace.id) == [
        ("ar", {("external_id", "a"), ("email", "a@example.com")}),
        ("ar", {("external_id", "b"), ("email", "b@example.com")}),
        ("ar", {("phone", "+966501234567")}),
    ]
    stored = session.execute(
        select(Customer.id, CustomerIdentity.kind, CustomerIdentity.value).join(
            CustomerIdentity, CustomerIdentity.customer_id == Customer.id
        )
    ).all()
    expected_terms = set()
    for customer_id in {row[0] for row in stored}:
        pairs = [(kind, value) for cid, kind, value in stored if cid == customer_id]
        expected_terms |= {(customer_id, term) for term in customer_terms(None, pairs)}
    terms = session.execute(select(CustomerSearchTerm.customer_id, CustomerSearchTerm.term))
    assert {tuple(row) for row in terms} == expected_terms
