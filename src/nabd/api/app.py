"""Builds the one FastAPI application: JSON API under /api/v1, pages everywhere else."""

from importlib.resources import files

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nabd import __version__
from nabd.api import docs, health
from nabd.api.access import enforce_declared_access
from nabd.api.errors import install_error_handlers
from nabd.api.lane import Lane
from nabd.api.openapi import build_openapi
from nabd.config import Settings, get_settings
from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.group_commit import GroupCommit
from nabd.core.ratelimit import RateLimiter
from nabd.customers import api as customer_api
from nabd.customers import identity_api
from nabd.customers import views as customer_views
from nabd.events import api as events_api
from nabd.events.lane import EVENTS_LANE, TRANSACTIONS_LANE
from nabd.feedback import api as feedback_api
from nabd.goals import api as goal_api
from nabd.goals import views as goal_views
from nabd.imports import views as import_views
from nabd.journeys import api as journey_api
from nabd.journeys import views as journey_views
from nabd.metrics import api as metrics_api
from nabd.metrics import settings_views as metrics_settings_views
from nabd.reports import pdf_views as report_pdf_views
from nabd.reports import subscriptions_views as report_subscription_views
from nabd.reports import views as report_views
from nabd.segments import api as segment_api
from nabd.segments import views as segment_views
from nabd.surveys import api as survey_api
from nabd.surveys import delivery_settings_views as survey_delivery_views
from nabd.surveys import distribution_api as survey_distribution_api
from nabd.surveys import distribution_views as survey_distribution_views
from nabd.surveys import public_views as survey_public_views
from nabd.surveys import results_views as survey_results_views
from nabd.surveys import views as survey_views
from nabd.surveys.batch_lane import BATCH_LANE
from nabd.surveys.response_lane import RESPONSE_LANE
from nabd.text import api as text_api
from nabd.text import settings_views as text_settings_views
from nabd.text import views as text_views
from nabd.text import workspace_topics_api as text_topics_api
from nabd.web.navigation import ordered
from nabd.web.templating import create_environment
from nabd.workspaces import api as workspace_api
from nabd.workspaces import auth_views, display_views, settings_views

SESSION_COOKIE = "nabd_session"

# Scripts and styles come only from nabd itself; no inline script can run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}

# Matched in this order, route by route: the integration endpoints that take the most
# requests (responses, events) come first, since reaching the survey API's response route
# behind every page router cost about a third of FastAPI's work on a response request
# (bench/survey_responses.py). No other router serves their paths.
ROUTERS = (
    health.router,
    survey_api.router,
    events_api.router,
    docs.router,
    auth_views.router,
    report_views.router,
    report_pdf_views.router,
    report_subscription_views.router,
    customer_views.router,
    import_views.router,
    settings_views.router,
    display_views.router,
    workspace_api.router,
    customer_api.router,
    survey_views.router,
    survey_results_views.router,
    survey_public_views.router,
    survey_distribution_views.router,
    survey_distribution_api.router,
    survey_delivery_views.router,
    feedback_api.router,
    identity_api.router,
    text_api.router,
    text_topics_api.router,
    text_settings_views.router,
    text_views.router,
    goal_views.router,
    goal_api.router,
    metrics_api.router,
    segment_views.router,
    segment_api.router,
    journey_api.router,
    journey_views.router,
    metrics_settings_views.router,
)
# Served past FastAPI's routing when nothing can be refused (`nabd.api.lane`): the
# integrations' hottest writes.
LANES = (RESPONSE_LANE, BATCH_LANE, EVENTS_LANE, TRANSACTIONS_LANE)
NAV_ITEMS = (
    *report_views.NAV_ITEMS,
    *customer_views.NAV_ITEMS,
    *journey_views.NAV_ITEMS,
    *survey_views.NAV_ITEMS,
    *text_views.NAV_ITEMS,
    *settings_views.NAV_ITEMS,
    *goal_views.NAV_ITEMS,
    *segment_views.NAV_ITEMS,
)


class SecurityHeaders:
    """Adds SECURITY_HEADERS (and `no-store` on API and HTML replies) to every response.

    A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` (`app.middleware("http")`)
    runs each response through an extra task and stream, a fixed cost on every request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_api = scope["path"].startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for header, value in SECURITY_HEADERS.items():
                    headers.setdefault(header, value)
                if is_api or "text/html" in headers.get("content-type", ""):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PageSessions(SessionMiddleware):
    """The signed cookie session, for every request except an API call with a bearer token.

    Such a call is authenticated by its token alone (`nabd.api.access.resolve_principal`) and
    nothing on an API route reads the session, so decoding the cookie and wrapping the reply
    is skipped for it (the integrations' calls: the survey responses and events APIs).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/") and _bearer(scope):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _bearer(scope: Scope) -> bool:
    return any(
        name == b"authorization" and value[:7].lower() == b"bearer "
        for name, value in scope["headers"]
    )


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or create_db_engine(settings.resolved_database_url)
    app = FastAPI(
        title="nabd",
        version=__version__,
        summary="Customer Experience Management: the nabd JSON API.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(enforce_declared_access)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.group_commit = GroupCommit.for_database(
        app.state.session_factory, engine.dialect.name
    )
    app.state.templates = create_environment()
    app.state.navigation = ordered(NAV_ITEMS)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_storage_url)

    # Added first, so innermost: its replies get the security headers like the route's.
    app.add_middleware(Lane, routes=LANES)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        PageSessions,
        secret_key=settings.resolved_secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(files("nabd") / "web" / "static")), "static")
    install_error_handlers(app)
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]
    return app
