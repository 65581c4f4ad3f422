"""Importing customer profiles: matched on their identities, so a re-import updates, never
duplicates."""

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.i18n import N_
from nabd.customers.identity import lookup_identities, resolve_customers
from nabd.customers.models import Customer
from nabd.customers.references import (
    MAX_EXTERNAL_ID_LENGTH,
    Identities,
    optional_email,
    optional_phone,
)
from nabd.customers.service import refresh_search_text
from nabd.events.batch import BatchOutcome
from nabd.events.schemas import capped_document


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_id: str | None = Field(default=None, min_length=1, max_length=MAX_EXTERNAL_ID_LENGTH)
    email: str | None = None
    phone: str | None = None
    display_name: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    attributes: dict[str, Any] = Field(default_factory=dict)

    _email = field_validator("email")(optional_email)
    _phone = field_validator("phone")(optional_phone)

    _attributes = field_validator("attributes")(capped_document)

    @model_validator(mode="after")
    def _identified(self) -> "CustomerIn":
        if not self.identities():
            raise ValueError(N_("Give at least one of external_id, email or phone."))
        return self

    def identities(self) -> Identities:
        return tuple(
            (kind, value)
            for kind in ("external_id", "email", "phone")
            if (value := getattr(self, kind)) is not None
        )


def upsert_customers(
    session: Session, *, workspace_id: int, items: Sequence[tuple[int, CustomerIn]]
) -> BatchOutcome:
    """New people are created; known ones get the row's name, language and attributes."""
    references = [item.identities() for _, item in items]
    known = lookup_identities(
        session, workspace_id=workspace_id, pairs={pair for ref in references for pair in ref}
    )
    existed = [any(pair in known for pair in reference) for reference in references]
    # A profile imported without activity has not been "seen" yet.
    customer_ids = resolve_customers(
        session, workspace_id=workspace_id, references=references, seen_at=[None] * len(references)
    )
    customers = {
        customer.id: customer
        for customer in session.scalars(
            select(Customer).where(
                Customer.workspace_id == workspace_id, Customer.id.in_(set(customer_ids))
            )
        )
    }
    renamed: set[int] = set()
    for (_index, item), customer_id in zip(items, customer_ids, strict=True):
        customer = customers[customer_id]
        if item.display_name and item.display_name != customer.display_name:
            customer.display_name = item.display_name
            renamed.add(customer_id)
        if item.language:
            customer.language = item.language
        if item.attributes:
            customer.attributes = {**customer.attributes, **item.attributes}
    refresh_search_text(session, workspace_id=workspace_id, customer_ids=renamed)
    return BatchOutcome(accepted=existed.count(False), duplicates=existed.count(True))
