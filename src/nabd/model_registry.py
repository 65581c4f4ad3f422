"""Imports every domain's ORM models so Alembic and the tests see the whole schema."""

from nabd.analytics.models import AnalyticsWatermark
from nabd.core.audit import AuditLogEntry
from nabd.core.models import Base
from nabd.customers.merge_models import CustomerMerge
from nabd.customers.models import (
    ContactPreference,
    Customer,
    CustomerErasure,
    CustomerIdentity,
    CustomerSearchTerm,
)
from nabd.events.models import Event, Transaction, WriteKey
from nabd.feedback.models import FeedbackItem
from nabd.journeys.models import Channel, Touchpoint
from nabd.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyDistribution,
    SurveyQuestion,
    SurveyResponse,
)
from nabd.workspaces.models import ApiToken, Membership, User, Workspace

metadata = Base.metadata

__all__ = [
    "AnalyticsWatermark",
    "ApiToken",
    "AuditLogEntry",
    "Channel",
    "ContactPreference",
    "Customer",
    "CustomerErasure",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerSearchTerm",
    "Event",
    "FeedbackItem",
    "Membership",
    "Survey",
    "SurveyAnswer",
    "SurveyDistribution",
    "SurveyQuestion",
    "SurveyResponse",
    "Touchpoint",
    "Transaction",
    "User",
    "Workspace",
    "WriteKey",
    "metadata",
]
