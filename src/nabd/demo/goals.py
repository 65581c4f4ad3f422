"""The demo's goals: one finished and two running, on the demo surveys' own metrics, so the
goals page shows progress, forecasts and each status at once."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.goals import service as goals
from nabd.goals.schemas import GoalIn
from nabd.surveys.models import Survey

# (name, metric, survey by English title, target kind, amount, start and end in days from
# today). Named in Arabic, the demo workspace's language.
DEMO_GOALS: tuple[tuple[str, str, str, str, float, int, int], ...] = (
    (
        "رفع صافي نقاط الترويج بعد الشراء 10 نقاط",
        "nps",
        "Post-purchase survey",
        "change",
        10,
        -75,
        45,
    ),
    ("رضا 60٪ عن خدمة الدعم", "csat", "Post-support survey", "value", 60, -200, -20),
    ("تسهيل التسجيل: جهد 5.5 من 7", "ces", "Onboarding survey", "value", 5.5, -40, 50),
)


def load_demo_goals(session: Session, *, workspace_id: int, owner_id: int, today: date) -> int:
    """Create the demo goals (baselines measured from the period before each); how many."""
    surveys = {
        survey.title_en: survey.id
        for survey in session.scalars(select(Survey).where(Survey.workspace_id == workspace_id))
    }
    for name, metric, survey_title, kind, amount, start, end in DEMO_GOALS:
        document: dict[str, Any] = {
            "name": name,
            "metric": metric,
            "survey_id": surveys[survey_title],
            "target_kind": kind,
            "target_amount": amount,
            "start_date": today + timedelta(days=start),
            "end_date": today + timedelta(days=end),
            "owner_id": owner_id,
        }
        goals.create_goal(
            session,
            workspace_id=workspace_id,
            data=GoalIn.model_validate(document),
            actor=SYSTEM_ACTOR,
        )
    return len(DEMO_GOALS)
