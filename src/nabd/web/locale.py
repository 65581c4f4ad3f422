"""Which language a request is answered in."""

from fastapi import Request

from nabd.core.i18n import Locale, coerce_locale, negotiate_accept_language
from nabd.workspaces.display import DisplayPreferences, effective_preferences

LANGUAGE_COOKIE = "lang"


def request_locale(request: Request) -> Locale:
    """The user's saved choice, else `?lang=` / the `lang` cookie, else Accept-Language.

    Falls back to the installation's default language (Arabic unless configured) on pages,
    and to English on the API, whose clients are programs that rarely say what they read.
    """
    principal = getattr(request.state, "principal", None)
    user = getattr(principal, "user", None)
    return (
        coerce_locale(getattr(user, "language", None))
        or coerce_locale(request.query_params.get("lang"))
        or coerce_locale(request.cookies.get(LANGUAGE_COOKIE))
        or negotiate_accept_language(request.headers.get("accept-language"))
        or _fallback_locale(request)
    )


def _fallback_locale(request: Request) -> Locale:
    if request.url.path.startswith("/api/"):
        return "en"
    return request.app.state.settings.default_language


def request_display(request: Request, locale: Locale) -> DisplayPreferences:
    """The signed-in user's digits and calendar, applied only when the page is in Arabic."""
    principal = getattr(request.state, "principal", None)
    user = getattr(principal, "user", None)
    return effective_preferences(
        getattr(user, "digits", None), getattr(user, "calendar", None), locale
    )
