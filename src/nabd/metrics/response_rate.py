"""Survey response rate: invitations answered ÷ invitations that reached someone, by channel.

Counts come from the surveys domain (`invitations.response_rate_by_channel`); an invitation
belongs to the period in which it was sent, and counts as answered when any response,
complete or partial, exists for it. The channel here is the delivery channel (email, sms,
whatsapp …), not a journey channel key.
"""

from sqlalchemy.orm import Session

from nabd.metrics import errors
from nabd.metrics.customer_metrics import split_periods
from nabd.metrics.errors import InvalidMetricQuery
from nabd.metrics.estimates import response_rate_from_counts
from nabd.metrics.shapes import GroupBy, MetricGroup, MetricName, MetricQuery, MetricResult
from nabd.surveys.invitations import response_rate_by_channel


def compute(
    session: Session, *, workspace_id: int, query: MetricQuery, group_by: GroupBy | None
) -> MetricResult:
    """The rate over the query's days, optionally per delivery channel; survey filter only."""
    for name in ("channel", "touchpoint", "language"):
        if getattr(query, name) is not None:
            raise InvalidMetricQuery(field=name, reason=errors.ONLY_SURVEY_FILTER)
    if group_by not in (None, GroupBy.CHANNEL):
        raise InvalidMetricQuery(field="group_by", reason=errors.ONLY_BY_CHANNEL)
    [period] = split_periods(query.start, query.end, None)
    counts = response_rate_by_channel(
        session,
        workspace_id=workspace_id,
        survey_id=query.survey_id,
        start=period.start,
        end=period.end,
    )
    total = response_rate_from_counts(
        answered=sum(c.answered for c in counts.values()),
        invited=sum(c.invited for c in counts.values()),
    )
    groups = (
        [
            MetricGroup.of(
                channel, response_rate_from_counts(answered=c.answered, invited=c.invited)
            )
            for channel, c in sorted(counts.items())
        ]
        if group_by is GroupBy.CHANNEL
        else []
    )
    return MetricResult.of(MetricName.RESPONSE_RATE, total, groups)
