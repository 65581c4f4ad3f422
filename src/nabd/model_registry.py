"""Imports every domain's ORM models so Alembic and the tests see the whole schema."""

from nabd.core.audit import AuditLogEntry
from nabd.core.models import Base
from nabd.customers.models import Customer, CustomerIdentity
from nabd.events.models import Event, Transaction
from nabd.feedback.models import FeedbackItem
from nabd.journeys.models import Channel, Touchpoint
from nabd.workspaces.models import ApiToken, Membership, User, Workspace

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "AuditLogEntry",
    "Channel",
    "Customer",
    "CustomerIdentity",
    "Event",
    "FeedbackItem",
    "Membership",
    "Touchpoint",
    "Transaction",
    "User",
    "Workspace",
    "metadata",
]
