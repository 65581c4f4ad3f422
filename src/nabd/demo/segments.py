"""The demo's segments: a few realistic, bilingual rules over the demo customers."""

from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.segments import service as segments
from nabd.segments.schemas import SegmentIn

DEMO_SEGMENTS: tuple[dict[str, Any], ...] = (
    {
        "name_ar": "عملاء الرياض ذوو القيمة العالية",
        "name_en": "High-value Riyadh customers",
        "description": "Riyadh customers who have spent 1,500 or more in total.",
        "definition": {
            "match": "all",
            "conditions": [
                {"field": "attribute", "key": "city", "operator": "equals", "value": "Riyadh"},
                {"field": "total_spend", "operator": "gte", "value": 1500},
            ],
        },
    },
    {
        "name_ar": "المنتقدون",
        "name_en": "Detractors",
        "description": "Customers whose latest NPS answer was 0–6.",
        "definition": {
            "conditions": [{"field": "nps_bucket", "operator": "equals", "value": "detractor"}]
        },
    },
    {
        "name_ar": "مستخدمو التطبيق",
        "name_en": "App users",
        "description": "Customers seen on the mobile app.",
        "definition": {"conditions": [{"field": "channel", "operator": "in", "value": ["app"]}]},
    },
    {
        "name_ar": "العملاء الجدد",
        "name_en": "New customers",
        "description": "First purchase within the last 90 days.",
        "definition": {
            "conditions": [{"field": "first_purchase", "operator": "within_days", "value": 90}]
        },
    },
    {
        "name_ar": "عملاء مهددون بالمغادرة",
        "name_en": "Lapsing repeat buyers",
        "description": "Bought at least twice, but not in the last 120 days.",
        "definition": {
            "match": "all",
            "conditions": [
                {"field": "order_count", "operator": "gte", "value": 2},
                {"field": "last_purchase", "operator": "before_days", "value": 120},
            ],
        },
    },
)


def load_demo_segments(session: Session, *, workspace_id: int) -> int:
    """Create the demo segments with their membership; returns how many."""
    for document in DEMO_SEGMENTS:
        segments.create_segment(
            session,
            workspace_id=workspace_id,
            data=SegmentIn.model_validate(document),
            actor=SYSTEM_ACTOR,
        )
    return len(DEMO_SEGMENTS)
