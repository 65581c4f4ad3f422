"""API shapes of customer profiles, timelines and contact preferences.

Identity values pass through `masking.shown_identity` before they reach these shapes, so a
masked role never receives a full e-mail address or phone number.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from nabd.customers.masking import shown_identity
from nabd.customers.models import Customer
from nabd.customers.privacy import ErasureReceipt
from nabd.customers.profile import CustomerProfile, PlaceNames
from nabd.customers.scores import Score
from nabd.customers.timeline import EntryFacts, TimelineEntry


class IdentityOut(BaseModel):
    kind: str
    value: str
    masked: bool


class ChannelOut(BaseModel):
    id: int
    key: str
    name_ar: str
    name_en: str


class TouchpointOut(ChannelOut):
    pass


class CustomerSummaryOut(BaseModel):
    id: int
    display_name: str | None
    language: str | None
    identities: list[IdentityOut]
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    total_spend: Decimal
    spend_currency: str | None
    order_count: int
    created_at: datetime


class CurrencyValueOut(BaseModel):
    currency: str
    total: Decimal
    order_count: int
    first_purchase_at: datetime | None
    last_purchase_at: datetime | None


class ContactPreferencesOut(BaseModel):
    email_opted_out: bool
    sms_opted_out: bool
    whatsapp_opted_out: bool


class ScoreOut(BaseModel):
    metric: str
    value: int
    at: datetime
    survey_id: int
    response_id: int
    nps_bucket: str | None


class ScoresOut(BaseModel):
    """The latest NPS, CSAT and CES (absent metrics are left out) and their history."""

    latest: dict[str, ScoreOut]
    history: list[ScoreOut]


class CustomerOut(CustomerSummaryOut):
    attributes: dict[str, Any]
    value: list[CurrencyValueOut]
    channels: list[ChannelOut]
    contact_preferences: ContactPreferencesOut
    scores: ScoresOut


class ContactPreferencesPatch(BaseModel):
    """Opt-outs to change; absent channels keep their current setting."""

    model_config = ConfigDict(extra="forbid")

    email_opted_out: bool | None = None
    sms_opted_out: bool | None = None
    whatsapp_opted_out: bool | None = None

    def changes(self) -> dict[str, bool]:
        return {
            channel: value
            for channel, value in (
                ("email", self.email_opted_out),
                ("sms", self.sms_opted_out),
                ("whatsapp", self.whatsapp_opted_out),
            )
            if value is not None
        }


class TimelineEntryOut(EntryFacts):
    channel: ChannelOut | None
    touchpoint: TouchpointOut | None


class ErasureOut(BaseModel):
    customer_id: int
    identities_deleted: int
    feedback_deleted: int
    events_anonymised: int
    transactions_anonymised: int

    @classmethod
    def of(cls, receipt: ErasureReceipt) -> "ErasureOut":
        return cls(**receipt.__dict__)


def identities_out(customer: Customer, *, masked: bool) -> list[IdentityOut]:
    out = []
    for identity in sorted(customer.identities, key=lambda i: (i.kind, i.id)):
        shown = shown_identity(identity.kind, identity.value, masked=masked)
        out.append(IdentityOut(kind=identity.kind, value=shown, masked=shown != identity.value))
    return out


def summary_out(customer: Customer, *, masked: bool) -> CustomerSummaryOut:
    return CustomerSummaryOut(
        id=customer.id,
        display_name=customer.display_name,
        language=customer.language,
        identities=identities_out(customer, masked=masked),
        first_seen_at=customer.first_seen_at,
        last_seen_at=customer.last_seen_at,
        total_spend=customer.total_spend,
        spend_currency=customer.spend_currency,
        order_count=customer.order_count,
        created_at=customer.created_at,
    )


def _channel_out(names: PlaceNames, channel_id: int | None) -> ChannelOut | None:
    channel = names.channels.get(channel_id) if channel_id is not None else None
    if channel is None:
        return None
    return ChannelOut(
        id=channel.id, key=channel.key, name_ar=channel.name_ar, name_en=channel.name_en
    )


def _touchpoint_out(names: PlaceNames, touchpoint_id: int | None) -> TouchpointOut | None:
    touchpoint = names.touchpoints.get(touchpoint_id) if touchpoint_id is not None else None
    if touchpoint is None:
        return None
    return TouchpointOut(
        id=touchpoint.id,
        key=touchpoint.key,
        name_ar=touchpoint.name_ar,
        name_en=touchpoint.name_en,
    )


def _score_out(score: Score) -> ScoreOut:
    return ScoreOut(
        metric=score.metric,
        value=score.value,
        at=score.at,
        survey_id=score.survey_id,
        response_id=score.response_id,
        nps_bucket=score.bucket,
    )


def profile_out(profile: CustomerProfile, names: PlaceNames, *, masked: bool) -> CustomerOut:
    preferences = profile.contact_preferences
    return CustomerOut(
        **summary_out(profile.customer, masked=masked).model_dump(),
        attributes=profile.customer.attributes,
        value=[CurrencyValueOut(**value.__dict__) for value in profile.value],
        channels=[
            channel
            for channel in (_channel_out(names, cid) for cid in profile.channel_ids)
            if channel is not None
        ],
        contact_preferences=ContactPreferencesOut(
            email_opted_out=preferences["email"],
            sms_opted_out=preferences["sms"],
            whatsapp_opted_out=preferences["whatsapp"],
        ),
        scores=ScoresOut(
            latest={metric: _score_out(s) for metric, s in profile.scores.latest.items()},
            history=[_score_out(score) for score in profile.scores.history],
        ),
    )


def entry_out(entry: TimelineEntry, names: PlaceNames) -> TimelineEntryOut:
    return TimelineEntryOut(
        **entry.model_dump(exclude={"channel_id", "touchpoint_id"}),
        channel=_channel_out(names, entry.channel_id),
        touchpoint=_touchpoint_out(names, entry.touchpoint_id),
    )
