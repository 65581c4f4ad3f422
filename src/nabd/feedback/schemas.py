"""Shapes of the feedback ingestion API: reviews, social posts, tickets, chats, call notes."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from nabd.core.i18n import N_
from nabd.customers.references import CustomerReference
from nabd.events.schemas import MAX_BATCH_ITEMS, capped_document, not_in_future, place_key

MAX_TEXT_LENGTH = 20_000
# Surveys store their own comments through the surveys domain.
API_SOURCES = ("review", "social", "ticket", "chat", "call_note", "email")


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    author: Literal["customer", "agent"]
    text: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH)
    at: AwareDatetime | None = None


class TicketDetails(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str | None = Field(default=None, max_length=50)
    first_reply_at: AwareDatetime | None = None
    last_reply_at: AwareDatetime | None = None
    resolved_at: AwareDatetime | None = None
    resolution: str | None = Field(default=None, max_length=2000)


class FeedbackIn(BaseModel):
    """One customer text. A chat may send its turns instead of `text`: the customer's turns,
    joined, become the text (what text analytics reads); the whole transcript is kept."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(min_length=1, max_length=200)
    source: Literal["review", "social", "ticket", "chat", "call_note", "email"]
    text: str | None = Field(default=None, max_length=MAX_TEXT_LENGTH)
    channel: str | None = None
    touchpoint: str | None = None
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    rating: Decimal | None = Field(default=None, ge=0, max_digits=6, decimal_places=2)
    rating_scale_max: int | None = Field(default=None, ge=1, le=100)
    customer: CustomerReference | None = None
    created_at: AwareDatetime
    ticket: TicketDetails | None = None
    turns: list[ChatTurn] | None = Field(default=None, max_length=500)
    details: dict[str, Any] = Field(default_factory=dict)

    _places = field_validator("channel", "touchpoint")(place_key)
    _created = field_validator("created_at")(not_in_future)
    _details = field_validator("details")(capped_document)

    @model_validator(mode="after")
    def _consistent(self) -> "FeedbackIn":
        if self.text is None and self.turns:
            self.text = "\n".join(t.text for t in self.turns if t.author == "customer")[
                :MAX_TEXT_LENGTH
            ]
        if not (self.text or "").strip():
            raise ValueError(
                N_("Give the text, or the chat turns with at least one customer turn.")
            )
        if self.rating is not None:
            scale = self.rating_scale_max or 5
            if self.rating > scale:
                raise ValueError(
                    N_("The rating is above its scale (rating_scale_max, 5 if absent).")
                )
            self.rating_scale_max = scale
        return self

    def stored_details(self) -> dict[str, Any]:
        details = dict(self.details)
        if self.ticket is not None:
            details["ticket"] = self.ticket.model_dump(mode="json", exclude_none=True)
        if self.turns is not None:
            details["turns"] = [
                turn.model_dump(mode="json", exclude_none=True) for turn in self.turns
            ]
        return details


class FeedbackBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(max_length=MAX_BATCH_ITEMS)


class SentimentOut(BaseModel):
    label: str
    score: float


class TopicOut(BaseModel):
    topic: str
    sentiment: str
    score: float
    spans: list[tuple[int, int]] = Field(description="[start, end) offsets in `text`.")


class SentenceOut(BaseModel):
    start: int
    end: int
    sentiment: str
    score: float


class AnnotationOut(BaseModel):
    """The current annotation, with analysts' corrections already applied."""

    model_version: str
    taxonomy_version: str
    language: str
    sentiment: SentimentOut
    topics: list[TopicOut]
    intent: str | None
    emotion: str | None
    key_phrases: list[str]
    urgent: bool | None
    sentences: list[SentenceOut]
    corrected_fields: list[str]
    annotated_at: datetime


class FeedbackItemOut(BaseModel):
    id: int
    source: str
    external_id: str | None
    customer_id: int | None
    channel_id: int | None
    touchpoint_id: int | None
    text: str
    language: str | None = Field(description="The language the sender declared, if any.")
    rating: Decimal | None
    rating_scale_max: int | None
    created_at: datetime
    annotation: AnnotationOut | None = Field(description="Null until the text is analysed.")
