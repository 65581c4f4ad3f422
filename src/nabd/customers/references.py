"""Customer references before any database: identities normalised (e-mail, phone in E.164,
bounded ids) and the workspace's phone region they are read in.

Kept apart from `nabd.customers.identity` (resolution, which needs SQLAlchemy and the models)
so that the import's reader process (`nabd.imports.reader_process`), which only validates,
starts without loading the database layer.
"""

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import phonenumbers
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from nabd.core.i18n import N_

# The first identity of a reference that is already known decides who the customer is.
PRIORITY = ("external_id", "email", "phone", "anonymous_id")
MAX_EXTERNAL_ID_LENGTH = 200
MAX_ANONYMOUS_ID_LENGTH = 100
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Identities = tuple[tuple[str, str], ...]


def named_identities(
    external_id: str | None,
    email: str | None,
    phone: str | None,
    anonymous_id: str | None = None,
) -> Identities:
    """The (kind, value) pairs of the identities given, most decisive first (PRIORITY), as
    `nabd.customers.identity.resolve_customers` reads a reference; spelt out because every
    ingested item asks, and this is several times quicker than a loop over PRIORITY."""
    found: list[tuple[str, str]] = []
    if external_id is not None:
        found.append(("external_id", external_id))
    if email is not None:
        found.append(("email", email))
    if phone is not None:
        found.append(("phone", phone))
    if anonymous_id is not None:
        found.append(("anonymous_id", anonymous_id))
    return tuple(found)


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > 320 or not EMAIL_PATTERN.match(email):
        raise ValueError(N_("Not a valid e-mail address."))
    return email


# The region of the workspace whose data is being read: validators (pydantic, which knows
# no workspace) read it from here; the API and the importer set it for their workspace.
# No default: a path that forgot it fails loudly instead of reading numbers as another
# country's.
_phone_region: ContextVar[str] = ContextVar("nabd_phone_region")


class PhoneRegionNotSet(RuntimeError):
    """A phone number was normalised with no workspace region given or set (a bug, not bad
    input: a RuntimeError, which validators do not turn into a 422)."""


def set_phone_region(region: str) -> None:
    """Read national numbers in `region` for the rest of this context (one API request)."""
    _phone_region.set(region)


@contextmanager
def using_phone_region(region: str) -> Iterator[None]:
    """Read national numbers in `region` inside the block (an import, a CLI command)."""
    token = _phone_region.set(region)
    try:
        yield
    finally:
        _phone_region.reset(token)


def normalise_phone(value: str, region: str | None = None) -> str:
    """E.164 (`+966501234567`); national numbers are read in `region`, by default the
    current workspace's (`using_phone_region`)."""
    region = region or _phone_region.get(None)
    if region is None:
        raise PhoneRegionNotSet("no phone region: declare PhoneRegion or use using_phone_region")
    try:
        number = phonenumbers.parse(value.strip(), region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(N_("Not a valid phone number; use the international format.")) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(N_("Not a valid phone number; use the international format."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# The e-mail and phone validators of every model that names a customer (`CustomerReference`,
# the surveys' `CustomerRef` and `BatchCustomer`, the import's `CustomerIn`), declared as
# `_email = field_validator("email")(optional_email)`: one function each, so that all of them
# normalise alike and refuse a bad value with the same message. Not annotated types
# (`Annotated[str, AfterValidator(normalise_email)]`): the ingestion shapes
# (`nabd.events.rows.shape_of`) copy the fields' types to check them in pydantic-core, then
# run these functions once per distinct value of a batch; inside the type they would also run
# per item there (a body of phone events: about 5x the CPU an event, bench/README.md).
def optional_email(value: str | None) -> str | None:
    """`normalise_email` for an optional field."""
    return None if value is None else normalise_email(value)


def optional_phone(value: str | None) -> str | None:
    """`normalise_phone` (in the current region) for an optional field."""
    return None if value is None else normalise_phone(value)


# Validators raise catalogue ids that are translated later, so each limit has its own message.
_LENGTH_MESSAGES = {
    MAX_EXTERNAL_ID_LENGTH: N_("Must be 1 to 200 characters."),
    MAX_ANONYMOUS_ID_LENGTH: N_("Must be 1 to 100 characters."),
}


def bounded_id(value: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise ValueError(_LENGTH_MESSAGES[limit])
    return cleaned


class CustomerReference(BaseModel):
    """Who an item is about: any of the customer's identities, normalised on the way in."""

    model_config = ConfigDict(extra="forbid")

    external_id: str | None = None
    email: str | None = None
    phone: str | None = None
    anonymous_id: str | None = None

    @field_validator("external_id")
    @classmethod
    def _external_id(cls, value: str | None) -> str | None:
        return None if value is None else bounded_id(value, MAX_EXTERNAL_ID_LENGTH)

    @field_validator("anonymous_id")
    @classmethod
    def _anonymous_id(cls, value: str | None) -> str | None:
        return None if value is None else bounded_id(value, MAX_ANONYMOUS_ID_LENGTH)

    _email = field_validator("email")(optional_email)
    _phone = field_validator("phone")(optional_phone)

    @model_validator(mode="after")
    def _at_least_one(self) -> "CustomerReference":
        if (
            self.external_id is None
            and self.email is None
            and self.phone is None
            and self.anonymous_id is None
        ):
            raise ValueError(N_("Give at least one of external_id, email, phone or anonymous_id."))
        return self

    def identities(self) -> Identities:
        return named_identities(self.external_id, self.email, self.phone, self.anonymous_id)


def _cached(normalise: Callable[[str], str]) -> Callable[[str], str]:
    """`normalise` run once per distinct value (a refusal too)."""
    seen: dict[str, str | None] = {}

    def once(value: str) -> str:
        if value not in seen:
            try:
                seen[value] = normalise(value)
            except ValueError:
                seen[value] = None
        normalised = seen[value]
        if normalised is None:
            raise ValueError(value)
        return normalised

    return once


def identities_of(references: Sequence[Mapping[str, Any]]) -> list[Identities | None]:
    """The identities of plain references (dicts shaped like `CustomerReference`), normalised
    by the model's own functions, or None where the model would refuse the reference (it then
    says which field and why). Ingestion's quick path: no model per item, and each e-mail or
    phone of the batch is normalised once."""
    email = _cached(normalise_email)
    phone = _cached(normalise_phone)
    found: list[Identities | None] = []
    for reference in references:
        # The usual reference, an external id alone, without the general steps below.
        if len(reference) == 1 and (value := reference.get("external_id")) is not None:
            cleaned = value.strip()
            if cleaned and len(cleaned) <= MAX_EXTERNAL_ID_LENGTH:
                found.append((("external_id", cleaned),))
                continue
        pairs: list[tuple[str, str]] = []
        try:
            if (value := reference.get("external_id")) is not None:
                pairs.append(("external_id", bounded_id(value, MAX_EXTERNAL_ID_LENGTH)))
            if (value := reference.get("email")) is not None:
                pairs.append(("email", email(value)))
            if (value := reference.get("phone")) is not None:
                pairs.append(("phone", phone(value)))
            if (value := reference.get("anonymous_id")) is not None:
                pairs.append(("anonymous_id", bounded_id(value, MAX_ANONYMOUS_ID_LENGTH)))
        except ValueError:
            found.append(None)
            continue
        found.append(tuple(pairs) or None)
    return found
