"""The demo's journeys, over the touchpoints the demo's events and surveys already use.

The retail journey runs awareness → purchase → delivery → support → loyalty; the store visit
shares the branches and phone support with it, to show that a touchpoint may sit in several
journeys (once per journey).
"""

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.journeys import service as journeys
from nabd.journeys.schemas import JourneyIn

# (Arabic name, English name, [(Arabic stage, English stage, touchpoint keys)])
DEMO_JOURNEYS = (
    (
        "رحلة التسوق",
        "Retail journey",
        [
            ("الوعي", "Awareness", ["social_instagram", "web_home"]),
            (
                "الشراء",
                "Purchase",
                [
                    "web_product",
                    "web_checkout",
                    "app_browse",
                    "app_checkout",
                    "store_riyadh",
                    "store_jeddah",
                    "store_dammam",
                ],
            ),
            ("التوصيل", "Delivery", ["delivery"]),
            ("الدعم", "Support", ["call_support", "chat_support", "whatsapp_support"]),
            ("الولاء", "Loyalty", ["email_newsletter"]),
        ],
    ),
    (
        "زيارة الفرع",
        "Store visit",
        [
            ("الزيارة", "Visit", ["store_riyadh", "store_jeddah", "store_dammam"]),
            ("المتابعة", "Follow-up", ["call_support"]),
        ],
    ),
)


def load_demo_journeys(session: Session, *, workspace_id: int) -> None:
    for name_ar, name_en, stages in DEMO_JOURNEYS:
        journeys.create_journey(
            session,
            workspace_id=workspace_id,
            data=JourneyIn.model_validate(
                {
                    "name_ar": name_ar,
                    "name_en": name_en,
                    "stages": [
                        {"name_ar": stage_ar, "name_en": stage_en, "touchpoints": keys}
                        for stage_ar, stage_en, keys in stages
                    ],
                }
            ),
            actor=SYSTEM_ACTOR,
        )
