"""Batches of events and transactions past their access checks: the raw body validated, its
valid items stored, the reply.

One path for the routes (`nabd.events.api`, on their worker thread) and the lane
(`nabd.events.lane`, which validates on the event loop and stores as a unit of the group
commit), so that the two answer alike to the byte.
"""

from dataclasses import dataclass
from functools import partial
from typing import Protocol

from sqlalchemy.orm import Session
from starlette.responses import Response

from nabd.api.replies import json_reply
from nabd.events.batch import BatchOutcome, Rejection
from nabd.events.bodies import validate_body, validate_event_body
from nabd.events.ingest import ingest_events, ingest_transactions
from nabd.events.schemas import BatchResultOut, RejectionOut, TransactionBatchIn, TransactionIn


class Ingest(Protocol):
    """Stores a batch's valid items, bound to them, for a workspace."""

    def __call__(self, session: Session, *, workspace_id: int) -> BatchOutcome: ...


class ReadBatch(Protocol):
    """Checks a raw batch body (`read_events`, `read_transactions`)."""

    def __call__(self, body: bytes, *, locale: str) -> "BatchRequest": ...


@dataclass(frozen=True)
class BatchRequest:
    """A batch body validated: what stores its valid items (`weight` of them, the group
    commit's measure), the items rejected, and the language of the reply."""

    ingest: Ingest
    weight: int
    rejected: list[Rejection]
    locale: str

    def store(self, session: Session, *, workspace_id: int) -> Response:
        """The valid items stored (not committed) and the endpoint's reply. It may run twice
        (`nabd.core.group_commit`): it changes nothing it is given."""
        outcome = self.ingest(session, workspace_id=workspace_id)
        outcome.rejected.extend(self.rejected)
        return json_reply(batch_result(outcome, self.locale))


def read_events(body: bytes, *, locale: str) -> BatchRequest:
    """A raw `POST /api/v1/events` body; a bad envelope (or too many events) is a 422."""
    events, rejected = validate_event_body(body, locale=locale)
    return BatchRequest(partial(ingest_events, events=events), len(events), rejected, locale)


def read_transactions(body: bytes, *, locale: str) -> BatchRequest:
    """A raw `POST /api/v1/transactions` body; a bad envelope is a 422."""
    items, rejected = validate_body(
        body, envelope=TransactionBatchIn, key="transactions", schema=TransactionIn, locale=locale
    )
    return BatchRequest(partial(ingest_transactions, items=items), len(items), rejected, locale)


def batch_result(outcome: BatchOutcome, locale: str) -> BatchResultOut:
    """A batch endpoint's reply: its counts, and its rejections in item order, in `locale`."""
    rejected = sorted(outcome.rejected, key=lambda rejection: rejection.index)
    return BatchResultOut(
        accepted=outcome.accepted,
        duplicates=outcome.duplicates,
        rejected=[
            RejectionOut(index=r.index, field=r.field, reason=r.translated(locale).reason)
            for r in rejected
        ],
    )
