"""Validated shapes of survey definitions and responses, for the API, pages and imports."""

import re
from datetime import datetime
from typing import Any, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from nabd.core.i18n import N_
from nabd.customers.references import (
    MAX_EXTERNAL_ID_LENGTH,
    Identities,
    named_identities,
    optional_email,
    optional_phone,
)
from nabd.surveys.questions import CHOICE_TYPES, MAX_SCALE_SPAN, MAX_TEXT_LIMIT

Language = Literal["ar", "en"]
QuestionType = Literal[
    "nps", "csat", "ces", "rating", "single_choice", "multiple_choice", "text", "matrix"
]
SurveyStatus = Literal["draft", "active", "closed"]
KEY_PATTERN = re.compile(r"^[a-z0-9_]{1,40}$")
DEFINITION_FORMAT: Final = "nabd.survey/1"
MAX_QUESTIONS = 100
MAX_BATCH = 1000


def _valid_key(value: str) -> str:
    if not KEY_PATTERN.match(value):
        raise ValueError(N_("Use lowercase letters, digits and underscores only."))
    return value


def _web_address(value: str | None) -> str | None:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError(N_("Must be a web address starting with https://."))
    return value or None


class Bilingual(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    ar: str = Field(min_length=1, max_length=2000)
    en: str = Field(min_length=1, max_length=2000)


class OptionalBilingual(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    ar: str = Field(default="", max_length=2000)
    en: str = Field(default="", max_length=2000)


class Option(BaseModel):
    """A choice, or a matrix row: a stable key and its label in both languages."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    key: str
    ar: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)

    _check_key = field_validator("key")(_valid_key)


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min: int = Field(ge=0, le=10)
    max: int = Field(ge=1, le=20)

    @model_validator(mode="after")
    def _span(self) -> "Scale":
        if not 2 <= self.max - self.min + 1 <= MAX_SCALE_SPAN:
            raise ValueError(N_("A scale has from 2 to 11 points."))
        return self


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str | None = None
    type: QuestionType
    text: Bilingual
    required: bool = False
    scale: Scale | None = None
    style: Literal["numbers", "stars"] = "numbers"
    options: list[Option] = Field(default_factory=list, max_length=50)
    rows: list[Option] = Field(default_factory=list, max_length=30)
    max_length: int | None = Field(default=None, ge=1, le=MAX_TEXT_LIMIT)
    condition: dict[str, Any] | None = None

    @field_validator("key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return None if value is None else _valid_key(value)

    @model_validator(mode="after")
    def _fits_type(self) -> "QuestionIn":
        if self.type in CHOICE_TYPES and len(self.options) < 2:
            raise ValueError(N_("A choice question needs at least two options."))
        if self.type == "matrix" and not self.rows:
            raise ValueError(N_("A matrix question needs at least one row."))
        for items in (self.options, self.rows):
            if len({item.key for item in items}) != len(items):
                raise ValueError(N_("Option keys must be unique."))
        return self


class SurveyIn(BaseModel):
    """A whole definition: what POST /api/v1/surveys takes and the JSON export holds."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["nabd.survey/1"] | None = None
    title: Bilingual
    status: SurveyStatus = "draft"
    touchpoint_id: int | None = None
    touchpoint_key: str | None = Field(default=None, max_length=80)
    thank_you: OptionalBilingual = Field(default_factory=OptionalBilingual)
    review_url: str | None = Field(default=None, max_length=500)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=MAX_QUESTIONS)

    _check_url = field_validator("review_url")(_web_address)


class SurveyPatch(BaseModel):
    """A partial update: absent fields stay; `questions`, when given, replaces the list by key."""

    model_config = ConfigDict(extra="forbid")

    title: Bilingual | None = None
    status: SurveyStatus | None = None
    touchpoint_id: int | None = None
    thank_you: OptionalBilingual | None = None
    review_url: str | None = Field(default=None, max_length=500)
    questions: list[QuestionIn] | None = Field(default=None, max_length=MAX_QUESTIONS)

    _check_url = field_validator("review_url")(_web_address)


class QuestionOut(BaseModel):
    id: int
    key: str
    position: int
    type: str
    text: Bilingual
    required: bool
    scale: Scale | None
    style: str | None
    options: list[Option]
    rows: list[Option]
    max_length: int | None
    condition: dict[str, Any] | None


class SurveyOut(BaseModel):
    id: int
    title: Bilingual
    status: str
    touchpoint_id: int | None
    thank_you: OptionalBilingual
    review_url: str | None
    questions: list[QuestionOut]
    created_at: datetime
    updated_at: datetime


class CustomerRef(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    # The ingestion API's limit: an id one of them would refuse, the other must too.
    external_id: str | None = Field(default=None, min_length=1, max_length=MAX_EXTERNAL_ID_LENGTH)
    email: str | None = Field(default=None, min_length=3, max_length=320)
    phone: str | None = Field(default=None, min_length=3, max_length=40)

    # Normalised as the ingestion API does (E.164 phones, lowercased e-mails), so that a
    # survey answer and an event naming the same person find the same customer.
    _email = field_validator("email")(optional_email)
    _phone = field_validator("phone")(optional_phone)

    @model_validator(mode="after")
    def _one_given(self) -> "CustomerRef":
        if not (self.external_id or self.email or self.phone):
            raise ValueError(N_("Give an external_id, an email or a phone."))
        return self

    def identities(self) -> Identities:
        return named_identities(self.external_id, self.email, self.phone)


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question_id: int
    value: Any = None


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: CustomerRef | None = None
    channel: str | None = Field(default=None, max_length=50)
    language: Language | None = None
    answers: list[AnswerIn] = Field(default_factory=list, max_length=MAX_QUESTIONS)
    submitted_at: AwareDatetime | None = None
    completed: bool = True


class BatchItemIn(ResponseIn):
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Items are checked one by one, so one bad item is rejected alone.
    responses: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_BATCH)


class Rejection(BaseModel):
    index: int
    field: str
    reason: str


class BatchOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[Rejection]


class AnswerOut(BaseModel):
    question_id: int
    value: Any


class ResponseOut(BaseModel):
    id: int
    survey_id: int
    invitation_id: int | None
    customer_id: int | None
    channel: str | None
    language: str
    completed: bool
    submitted_at: datetime
    received_at: datetime
    completed_at: datetime | None
    answers: list[AnswerOut]


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer: CustomerRef | None = None
    language: Language | None = None
    channel: str | None = Field(default=None, max_length=50)


class LinkOut(BaseModel):
    id: int
    survey_id: int
    kind: str
    token: str
    path: str
    personal: bool
    customer_id: int | None
    language: str | None
