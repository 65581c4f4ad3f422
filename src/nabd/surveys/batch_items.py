"""Validating the items of a response batch, each on its own terms, at pydantic-core's speed.

A batch's items are checked one by one so that a bad item is rejected alone (with its own
index, field and reason). Two costs are avoided:

- one call per item: the whole list is validated in one call, whose loop runs in
  pydantic-core; when that call fails, the items are validated again one at a time, so each
  bad item's error is exactly the one it gets alone;
- a model instance per item, customer and answer (`BatchItemIn`, five per item, ~15 µs of a
  batch item's CPU): the list is validated into plain dicts (`BatchItem`), by the same
  constraints and the same normalising functions. A bad item is validated again as the
  model, so its error is the model's own; `tests/surveys/test_batch_items.py` holds the two
  to the same answers.
"""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    AwareDatetime,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    with_config,
)
from typing_extensions import TypedDict

from nabd.core.i18n import N_
from nabd.customers.references import (
    MAX_EXTERNAL_ID_LENGTH,
    Identities,
    named_identities,
    optional_email,
    optional_phone,
)
from nabd.surveys.schemas import (
    MAX_BATCH,
    MAX_QUESTIONS,
    AnswerIn,
    BatchItemIn,
    ResponseIn,
)


@with_config(ConfigDict(str_strip_whitespace=True, extra="forbid"))
class BatchCustomer(TypedDict):
    """`CustomerRef` as a dict."""

    external_id: NotRequired[
        Annotated[str | None, Field(min_length=1, max_length=MAX_EXTERNAL_ID_LENGTH)]
    ]
    email: NotRequired[
        Annotated[str | None, Field(min_length=3, max_length=320), AfterValidator(optional_email)]
    ]
    phone: NotRequired[
        Annotated[str | None, Field(min_length=3, max_length=40), AfterValidator(optional_phone)]
    ]


def _one_given(customer: BatchCustomer) -> BatchCustomer:
    """`CustomerRef._one_given`."""
    if not (customer.get("external_id") or customer.get("email") or customer.get("phone")):
        raise ValueError(N_("Give an external_id, an email or a phone."))
    return customer


def identities_of(customer: BatchCustomer) -> Identities:
    """`CustomerRef.identities` of the dict."""
    return named_identities(
        customer.get("external_id"), customer.get("email"), customer.get("phone")
    )


@with_config(ConfigDict(extra="forbid"))
class BatchAnswer(TypedDict):
    """`AnswerIn` as a dict."""

    question_id: int
    value: NotRequired[Any]


@with_config(ConfigDict(extra="forbid"))
class BatchItem(TypedDict):
    """`BatchItemIn` as a dict: a key left out takes the model's default."""

    customer: NotRequired[Annotated[BatchCustomer, AfterValidator(_one_given)] | None]
    channel: NotRequired[Annotated[str | None, Field(max_length=50)]]
    language: NotRequired[Literal["ar", "en"] | None]
    answers: NotRequired[Annotated[list[BatchAnswer], Field(max_length=MAX_QUESTIONS)]]
    submitted_at: NotRequired[AwareDatetime | None]
    completed: NotRequired[bool]
    idempotency_key: NotRequired[Annotated[str | None, Field(min_length=1, max_length=200)]]


_ITEMS = TypeAdapter(list[BatchItem])
_ITEM = TypeAdapter(BatchItem)


def validated_items(items: Sequence[Mapping[str, Any]]) -> list[BatchItem | ValidationError]:
    """Each item as a `BatchItem`, or the error that rejects it, in the given order."""
    try:
        return list(_ITEMS.validate_python(items))
    except ValidationError:
        pass  # some item is bad: find which, one by one
    checked: list[BatchItem | ValidationError] = []
    for raw in items:
        try:
            checked.append(_ITEM.validate_python(raw))
        except ValidationError:
            checked.append(_as_model(raw))
    return checked


def _as_model(raw: Mapping[str, Any]) -> BatchItem | ValidationError:
    """The item as the model sees it: its error (the answer a bad item gets), or, should the
    model accept what the dicts refused, the item it makes."""
    try:
        return plain(BatchItemIn.model_validate(raw))
    except ValidationError as error:
        return error


def response_in(item: BatchItem) -> ResponseIn:
    """A validated item as the `ResponseIn` the single path's checks (`prepare`) read (its
    customer aside, which they do not): built without validating again."""
    return ResponseIn.model_construct(
        answers=[
            AnswerIn.model_construct(question_id=a["question_id"], value=a.get("value"))
            for a in item.get("answers", [])
        ],
        channel=item.get("channel"),
        language=item.get("language"),
        submitted_at=item.get("submitted_at"),
        completed=item.get("completed", True),
    )


def plain(item: BatchItemIn) -> BatchItem:
    """A validated model as the `BatchItem` the dicts make of the same input."""
    found: BatchItem = {
        "answers": [{"question_id": a.question_id, "value": a.value} for a in item.answers],
        "channel": item.channel,
        "language": item.language,
        "submitted_at": item.submitted_at,
        "completed": item.completed,
        "idempotency_key": item.idempotency_key,
        "customer": None,
    }
    if item.customer is not None:
        found["customer"] = BatchCustomer(
            external_id=item.customer.external_id,
            email=item.customer.email,
            phone=item.customer.phone,
        )
    return found


@with_config(ConfigDict(extra="forbid"))
class _Body(TypedDict):
    """`BatchIn` with its items checked: a body this accepts, `BatchIn` and every item's
    own check accept too."""

    responses: NotRequired[Annotated[list[BatchItem], Field(max_length=MAX_BATCH)]]


_BODY = TypeAdapter(_Body)


def parsed_body(body: bytes) -> list[BatchItem] | None:
    """The items of a request body whose every item is good, read straight from its JSON
    (pydantic-core's parser: no Python objects but the items' own); None for anything else,
    which then takes the usual way (`json.loads`, `BatchIn`, `validated_items`) and gets its
    exact answers. Lone surrogate escapes are left to that way too: `json.loads` keeps them
    in the text, pydantic-core refuses them."""
    try:
        return _BODY.validate_json(body).get("responses", [])
    except ValidationError:
        return None
