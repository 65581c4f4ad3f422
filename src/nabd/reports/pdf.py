"""The CX overview as a PDF, rendered on the server so Arabic is shaped and laid out right to left.

WeasyPrint lays the print template out with Pango and HarfBuzz, which join Arabic letters and
apply the bidi algorithm; the same function serves the download and the e-mailed report, so
both show exactly the numbers of the overview page.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from jinja2 import Environment
from sqlalchemy.orm import Session

from nabd.core.errors import NabdError
from nabd.core.i18n import N_, Locale, direction
from nabd.journeys import service as journeys
from nabd.journeys.models import Channel, Journey, JourneyStage, Touchpoint
from nabd.metrics.places import Places
from nabd.reports.overview import CxOverview, OverviewFilters, build_overview
from nabd.segments import service as segments
from nabd.surveys import service as surveys
from nabd.web.templating import create_environment
from nabd.workspaces.models import Workspace

TEMPLATE = "reports/pdf_overview.html"


class PdfUnavailable(NabdError):
    """The server lacks the Pango library WeasyPrint lays pages out with."""

    status_code = 503
    code = "pdf_unavailable"


@dataclass(frozen=True)
class OverviewPdf:
    """The rendered file and the numbers in it (the e-mail repeats the headline)."""

    overview: CxOverview
    content: bytes


@cache
def template_environment() -> Environment:
    """Background jobs have no app, so they get their own copy of the page environment."""
    return create_environment()


def isolate(text: str) -> str:
    """Wrap left-to-right text (ISO dates) in bidi isolates so Arabic lines keep it whole."""
    return f"\u2066{text}\u2069"


def file_name(filters: OverviewFilters) -> str:
    return f"nabd-overview-{filters.start.isoformat()}-{filters.end.isoformat()}.pdf"


def render_overview_pdf(
    session: Session,
    *,
    workspace: Workspace,
    filters: OverviewFilters,
    locale: Locale,
    generated_at: datetime,
    channels: Sequence[Channel] | None = None,
    touchpoints: Sequence[Touchpoint] | None = None,
    journey_maps: Sequence[Journey] | None = None,
) -> OverviewPdf:
    """Build the overview for `filters` and lay it out as an A4 PDF in `locale`.

    A caller that has already read the workspace's channels, touchpoints and journeys (to
    check the filters) passes them, so they are not read twice."""
    if channels is None:
        channels = journeys.list_channels(session, workspace_id=workspace.id)
    if touchpoints is None:
        touchpoints = journeys.list_touchpoints(session, workspace_id=workspace.id)
    if journey_maps is None:
        journey_maps = journeys.list_journeys(session, workspace_id=workspace.id)
    overview = build_overview(
        session,
        workspace_id=workspace.id,
        filters=filters,
        places=Places(
            session, workspace_id=workspace.id, channels=channels, touchpoints=touchpoints
        ),
    )
    html = (
        template_environment()
        .get_template(TEMPLATE)
        .render(
            locale=locale,
            direction=direction(locale),
            time_zone=workspace.time_zone,
            workspace=workspace,
            cx=overview,
            generated_at=generated_at,
            isolate=isolate,
            survey_title=_survey_title(session, workspace.id, filters.survey_id, locale),
            segment_name=segments.get_segment(
                session, workspace_id=workspace.id, segment_id=filters.segment_id
            ).name(locale)
            if filters.segment_id is not None
            else None,
            channels={channel.key: channel for channel in channels},
            touchpoints={touchpoint.key: touchpoint for touchpoint in touchpoints},
            journey=_named(journey_maps, filters.journey_id),
            stage=_named(
                [stage for journey in journey_maps for stage in journey.stages], filters.stage_id
            ),
        )
    )
    return OverviewPdf(overview=overview, content=write_pdf(html))


def _named(
    items: Sequence[Journey] | Sequence[JourneyStage], wanted: int | None
) -> Journey | JourneyStage | None:
    return next((item for item in items if item.id == wanted), None)


def _survey_title(
    session: Session, workspace_id: int, survey_id: int | None, locale: Locale
) -> str | None:
    if survey_id is None:
        return None
    survey = surveys.get_survey(session, workspace_id=workspace_id, survey_id=survey_id)
    return survey.title_ar if locale == "ar" else survey.title_en


def write_pdf(html: str) -> bytes:
    """Lay the page out; WeasyPrint is imported here because importing it loads Pango, so a
    server without Pango still starts and only this export fails, with a clear message."""
    try:
        from weasyprint import HTML
    except OSError as error:
        raise PdfUnavailable(
            N_(
                "PDF export needs the Pango library on the server "
                "(Debian and Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0)."
            )
        ) from error
    content: bytes = HTML(string=html).write_pdf()
    return content
