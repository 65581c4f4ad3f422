"""The current time, timezone-aware, in a module that loads nothing else: validators that
compare with it (`events.schemas.not_in_future`) run in the import's reader process, which
does without SQLAlchemy (`nabd.core.types` re-exports it for the other callers)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
