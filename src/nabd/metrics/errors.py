"""Domain errors of the metrics engine."""

from nabd.core.errors import ErrorDetail, NotFound, ValidationFailed
from nabd.core.i18n import N_

INVALID_QUERY = N_("The metric query is not valid.")
UNKNOWN_METRIC = N_("Unknown metric.")
UNKNOWN_GROUP = N_("Unknown grouping.")
END_BEFORE_START = N_("The end date is before the start date.")
UNKNOWN_SEGMENT = N_("No segment has this id.")
NOT_BY_SEGMENT = N_("This metric cannot be filtered by segment.")
ATTRIBUTE_NEEDED = N_("Grouping by attribute needs the attribute's key.")
ATTRIBUTE_WITHOUT_GROUP = N_("An attribute is only used with group_by=attribute.")
UNKNOWN_CHANNEL = N_("Unknown channel.")
UNKNOWN_TOUCHPOINT = N_("Unknown touchpoint.")
UNKNOWN_JOURNEY = N_("Unknown journey.")
UNKNOWN_STAGE = N_("Unknown stage of this journey.")
NOT_BY_JOURNEY = N_(
    "Only NPS, CSAT and CES can be grouped by journey or stage, and only they and the sentiment "
    "index filtered by one."
)
NOT_BY_DIMENSION = N_("This metric can only be grouped by day, week, month or quarter.")
ONLY_SURVEY_FILTER = N_("This metric can only be filtered by survey.")
ONLY_BY_CHANNEL = N_("This metric can only be grouped by channel.")
NOT_BY_SURVEY = N_("This metric cannot be filtered by survey.")
ONLY_BY_MONTH = N_("This metric can only be grouped by month.")
RETENTION_BY_MONTH = N_("Retention is grouped by first-purchase month only.")
NOT_FILTERABLE = N_("This metric cannot be filtered by survey, channel, touchpoint or language.")


class InvalidMetricQuery(ValidationFailed):
    """A 422 that names the one field of the query that is wrong."""

    def __init__(self, *, field: str, reason: str) -> None:
        super().__init__(INVALID_QUERY, details=[ErrorDetail(field, reason)])


class UnknownMetric(NotFound):
    """A metric name the engine does not know: there is no such resource."""
