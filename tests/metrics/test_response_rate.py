"""Response rate through the engine equals answered ÷ sent invitations, per delivery channel."""

from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from nabd.customers.service import create_customer
from nabd.metrics import estimates
from nabd.metrics.engine import MetricQuery, compute_metric
from nabd.surveys import respondent
from nabd.surveys.invitations import add_invitation
from nabd.surveys.models import SurveyDistribution
from tests.factories import make_workspace
from tests.metrics.factories import make_cx_survey
from tests.surveys.factories import question_ids

SENT = datetime(2026, 11, 10, 9, tzinfo=UTC)


def test_response_rate_by_delivery_channel(session: Session) -> None:
    workspace = make_workspace(session)
    survey = make_cx_survey(session, workspace)
    customer = create_customer(
        session,
        workspace_id=workspace.id,
        display_name="عميل",
        language="ar",
        attributes={},
        identities=[("email", "r@example.com")],
    )
    session.flush()
    invitations = [
        add_invitation(
            session,
            survey=survey,
            customer_id=customer.id,
            channel=channel,
            channel_id=None,
            language="ar",
            due_at=SENT,
            now=SENT,
        )
        for channel in ("link", "link", "link", "qr")
    ]
    link = session.get(SurveyDistribution, invitations[0].distribution_id)
    assert link is not None
    nps = question_ids(survey)["nps"]
    respondent.save_page(
        session,
        survey=survey,
        link=link,
        response=None,
        values={nps: 9},
        shown=[nps],
        language="ar",
    )
    session.commit()
    result = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="response_rate",
        query=MetricQuery(start=date(2026, 11, 1), end=date(2026, 11, 30), group_by="channel"),
    )
    expected = estimates.response_rate_from_counts(answered=1, invited=4)
    assert (result.value, result.n, result.margin_of_error) == (
        expected.value,
        4,
        expected.margin_of_error,
    )
    assert [(g.key, g.n, g.value) for g in result.groups] == [
        ("link", 3, estimates.response_rate_from_counts(answered=1, invited=3).value),
        ("qr", 1, 0.0),
    ]
    october = compute_metric(
        session,
        workspace_id=workspace.id,
        metric="response_rate",
        query=MetricQuery(start=date(2026, 10, 1), end=date(2026, 10, 31)),
    )
    assert (october.n, october.value) == (0, None)
