"""The three models that name a customer (the ingestion APIs' `CustomerReference`, a survey
response's `CustomerRef`, an imported profile's `CustomerIn`) normalise e-mails and phones
alike and refuse a bad one with the same error, in both languages."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from nabd.core.validation import describe_errors
from nabd.customers.references import CustomerReference, using_phone_region
from nabd.imports.customers import CustomerIn
from nabd.surveys.schemas import CustomerRef

MODELS: list[type[BaseModel]] = [CustomerReference, CustomerRef, CustomerIn]


def _refusal(model: type[BaseModel], field: str, value: str) -> list[Any]:
    with pytest.raises(ValidationError) as refused, using_phone_region("SA"):
        model.model_validate({field: value})
    errors = refused.value.errors(include_url=False)
    return [
        [(error["type"], error["loc"], error["msg"], error["input"]) for error in errors],
        describe_errors(errors, "en"),
        describe_errors(errors, "ar"),
    ]


# Bad values within every model's length limits (`CustomerRef` checks 3 to 320 characters
# first, and answers a shorter or longer value with its own message).
@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("email", "not-an-email", "Not a valid e-mail address."),
        ("email", " a@b ", "Not a valid e-mail address."),
        ("email", "two@at@example.com", "Not a valid e-mail address."),
        ("phone", "abc", "Not a valid phone number; use the international format."),
        ("phone", "12345", "Not a valid phone number; use the international format."),
        ("phone", "+97150123456", "Not a valid phone number; use the international format."),
    ],
)
def test_a_bad_email_or_phone_gets_the_same_error_from_each_model(
    field: str, value: str, reason: str
) -> None:
    refusals = [_refusal(model, field, value) for model in MODELS]
    assert refusals[1:] == refusals[:1] * 2
    [raw], english, arabic = refusals[0][0], refusals[0][1], refusals[0][2]
    assert raw[:2] == ("value_error", (field,))
    assert english == [{"field": field, "reason": reason}]
    assert arabic[0]["field"] == field
    assert arabic[0]["reason"] not in ("", reason)  # translated


@pytest.mark.parametrize(
    ("field", "value", "normalised"),
    [
        ("email", " Person@Example.COM ", "person@example.com"),
        ("phone", " 0501234567 ", "+966501234567"),
        ("phone", "+966 50 123 4567", "+966501234567"),
    ],
)
def test_each_model_normalises_alike(field: str, value: str, normalised: str) -> None:
    with using_phone_region("SA"):
        stored = [getattr(model.model_validate({field: value}), field) for model in MODELS]
    assert stored == [normalised] * len(MODELS)
