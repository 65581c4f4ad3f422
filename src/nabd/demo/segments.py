"""The demo's segments: a few realistic rules over the demo customers, named in both
languages and described in Arabic (the demo workspace's language)."""

from typing import Any

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.segments import service as segments
from nabd.segments.schemas import SegmentIn

DEMO_SEGMENTS: tuple[dict[str, Any], ...] = (
    {
        "name_ar": "عملاء الرياض ذوو القيمة العالية",
        "name_en": "High-value Riyadh customers",
        "description": "عملاء الرياض الذين بلغ إنفاقهم 1,500 أو أكثر.",
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
        "description": "العملاء الذين كانت آخر إجابة لهم على NPS من 0 إلى 6.",
        "definition": {
            "conditions": [{"field": "nps_bucket", "operator": "equals", "value": "detractor"}]
        },
    },
    {
        "name_ar": "مستخدمو التطبيق",
        "name_en": "App users",
        "description": "العملاء الذين استخدموا تطبيق الجوال.",
        "definition": {"conditions": [{"field": "channel", "operator": "in", "value": ["app"]}]},
    },
    {
        "name_ar": "العملاء الجدد",
        "name_en": "New customers",
        "description": "أول شراء خلال آخر 90 يومًا.",
        "definition": {
            "conditions": [{"field": "first_purchase", "operator": "within_days", "value": 90}]
        },
    },
    {
        "name_ar": "عملاء مهددون بالمغادرة",
        "name_en": "Lapsing repeat buyers",
        "description": "اشتروا مرتين على الأقل، ولم يشتروا خلال آخر 120 يومًا.",
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
