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
    CustomerPrivacySettings,
    CustomerSearchTerm,
)
from nabd.events.models import Event, Transaction, WriteKey
from nabd.feedback.models import FeedbackItem
from nabd.goals.models import Goal, GoalNotification
from nabd.journeys.models import Channel, Journey, JourneyStage, StageTouchpoint, Touchpoint
from nabd.metrics.models import MetricRollup
from nabd.metrics.settings_models import MetricsSettings
from nabd.reports.subscriptions_models import ReportSubscription
from nabd.segments.models import Segment, SegmentMembership
from nabd.surveys.models import (
    Survey,
    SurveyAnswer,
    SurveyDeliverySettings,
    SurveyDistribution,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    SurveyTrigger,
)
from nabd.text.annotations import AnnotationTopic, FeedbackAnnotation, TextCorrection
from nabd.text.workspace_models import TextModelVersion, TextWorkspaceSettings, WorkspaceTopic
from nabd.workspaces.models import ApiToken, Membership, User, Workspace

metadata = Base.metadata

__all__ = [
    "AnalyticsWatermark",
    "AnnotationTopic",
    "ApiToken",
    "AuditLogEntry",
    "Channel",
    "ContactPreference",
    "Customer",
    "CustomerErasure",
    "CustomerIdentity",
    "CustomerMerge",
    "CustomerPrivacySettings",
    "CustomerSearchTerm",
    "Event",
    "FeedbackAnnotation",
    "FeedbackItem",
    "Goal",
    "GoalNotification",
    "Journey",
    "JourneyStage",
    "Membership",
    "MetricRollup",
    "MetricsSettings",
    "ReportSubscription",
    "Segment",
    "SegmentMembership",
    "StageTouchpoint",
    "Survey",
    "SurveyAnswer",
    "SurveyDeliverySettings",
    "SurveyDistribution",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
    "SurveyTrigger",
    "TextCorrection",
    "TextModelVersion",
    "TextWorkspaceSettings",
    "Touchpoint",
    "Transaction",
    "User",
    "Workspace",
    "WorkspaceTopic",
    "WriteKey",
    "metadata",
]
