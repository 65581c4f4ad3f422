"""Touchpoints and a journey over them, for the journey and metrics tests."""

from collections.abc import Sequence

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.journeys import service
from nabd.journeys.models import Journey, Touchpoint
from nabd.journeys.schemas import JourneyIn
from nabd.workspaces.models import Workspace


def make_touchpoints(
    session: Session, workspace: Workspace, keys: Sequence[str]
) -> list[Touchpoint]:
    return [
        service.ensure_touchpoint(
            session,
            workspace_id=workspace.id,
            key=key,
            name_ar=f"نقطة {key}",
            name_en=f"Point {key}",
            channel=None,
        )
        for key in keys
    ]


def make_journey(
    session: Session,
    workspace: Workspace,
    stages: Sequence[tuple[str, Sequence[str]]],
    *,
    name_en: str = "Buying online",
) -> Journey:
    """A journey whose stages (English name, touchpoint keys) come in order."""
    journey = service.create_journey(
        session,
        workspace_id=workspace.id,
        data=JourneyIn.model_validate(
            {
                "name_ar": "الشراء عبر الإنترنت",
                "name_en": name_en,
                "stages": [
                    {"name_ar": f"مرحلة {name}", "name_en": name, "touchpoints": list(keys)}
                    for name, keys in stages
                ],
            }
        ),
        actor=SYSTEM_ACTOR,
    )
    session.commit()
    return journey
