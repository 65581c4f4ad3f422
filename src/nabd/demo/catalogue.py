"""The demo company's channels, touchpoints and staff: a Saudi omnichannel retailer."""

from nabd.workspaces.roles import Role

DEMO_SLUG = "demo"
DEMO_NAME = "متجر نبض التجريبي · Nabd Demo Store"
DEMO_PASSWORD = "nabd-demo-2026"  # noqa: S105 - a published demo login, printed on start

DEMO_USERS = (
    ("admin@nabd.example", "نورة العتيبي", Role.ADMIN),
    ("analyst@nabd.example", "Omar Haddad", Role.ANALYST),
    ("agent@nabd.example", "فهد الشمري", Role.AGENT),
    ("viewer@nabd.example", "Lina Mansour", Role.VIEWER),
)

# key, Arabic name, English name
CHANNELS = (
    ("web", "الموقع الإلكتروني", "Website"),
    ("app", "تطبيق الجوال", "Mobile app"),
    ("store", "الفروع", "Stores"),
    ("call_centre", "مركز الاتصال", "Call centre"),
    ("chat", "المحادثة المباشرة", "Live chat"),
    ("whatsapp", "واتساب", "WhatsApp"),
    ("email", "البريد الإلكتروني", "E-mail"),
    ("social", "وسائل التواصل الاجتماعي", "Social media"),
)

# key, channel key, Arabic name, English name
TOUCHPOINTS = (
    ("web_home", "web", "الصفحة الرئيسية", "Home page"),
    ("web_product", "web", "صفحة المنتج", "Product page"),
    ("web_checkout", "web", "إتمام الشراء", "Checkout"),
    ("app_browse", "app", "تصفح التطبيق", "App browsing"),
    ("app_checkout", "app", "الدفع في التطبيق", "App checkout"),
    ("store_riyadh", "store", "فرع الرياض - العليا", "Riyadh Olaya branch"),
    ("store_jeddah", "store", "فرع جدة - التحلية", "Jeddah Tahlia branch"),
    ("store_dammam", "store", "فرع الدمام", "Dammam branch"),
    ("call_support", "call_centre", "الدعم الهاتفي", "Phone support"),
    ("chat_support", "chat", "دعم المحادثة", "Chat support"),
    ("whatsapp_support", "whatsapp", "دعم واتساب", "WhatsApp support"),
    ("email_newsletter", "email", "النشرة البريدية", "Newsletter"),
    ("social_instagram", "social", "حساب إنستغرام", "Instagram account"),
    ("delivery", "app", "التوصيل", "Delivery"),
)

CATEGORIES = (
    ("electronics", 450, 3500),
    ("home", 80, 900),
    ("fashion", 60, 650),
    ("beauty", 35, 420),
    ("groceries", 25, 380),
)

TIERS = (("basic", 0.6), ("plus", 0.3), ("premium", 0.1))
