"""The Jinja2 environment: autoescaping, per-request translation, locale-aware formatting."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_currency, format_decimal
from hijridate import Gregorian
from jinja2 import ChoiceLoader, Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from nabd.core.i18n import gettext, ngettext
from nabd.workspaces.display import LATIN_GREGORIAN, DisplayPreferences

# Packages whose `templates/` folder holds pages; a domain with pages adds itself here.
TEMPLATE_PACKAGES = (
    "nabd.web",
    "nabd.workspaces",
    "nabd.reports",
    "nabd.customers",
    "nabd.imports",
    "nabd.surveys",
    "nabd.text",
    "nabd.goals",
    "nabd.segments",
    "nabd.journeys",
    "nabd.metrics",
)


@pass_context
def _gettext(context: Context, message: str) -> str:
    return gettext(context["locale"], message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return ngettext(context["locale"], singular, plural, count)


ARABIC_INDIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
HIJRI_ERA = "هـ"
ARABIC_LETTER_MARK = "\u061c"
LEFT_TO_RIGHT_MARK = "\u200e"


def _display(context: Context) -> DisplayPreferences:
    """Pages carry the user's preferences; e-mails and PDFs render without and stay Latin."""
    found = context.get("display")
    return found if isinstance(found, DisplayPreferences) else LATIN_GREGORIAN


def _numbering(digits: str) -> str:
    """Babel's `arab` system gives the Arabic separators (٬ ٫); it leaves the digits Latin."""
    return "arab" if digits == "arabic" else "latn"


def localise_digits(text: str, digits: str) -> str:
    """Swap 0-9 for ٠-٩ after babel has formatted (it never transliterates digits itself)."""
    return text.translate(ARABIC_INDIC_DIGITS) if digits == "arabic" else text


def _signed(text: str, digits: str, locale: str) -> str:
    """A negative number's sign kept before it on a right-to-left page. Without a mark the
    bidirectional algorithm shows "-20.3" as "20.3-", which reads as a positive score: CLDR's
    Arabic minus puts a letter mark before ٠-٩, and a left-to-right mark before 0-9 makes
    the sign part of the number's left-to-right run."""
    if not text.startswith("-"):
        return text
    if digits == "arabic":
        return ARABIC_LETTER_MARK + text
    return LEFT_TO_RIGHT_MARK + text if locale == "ar" else text


def hijri_date(value: date, digits: str = "latin") -> str | None:
    """Umm al-Qura date in Arabic, e.g. "١٣ جمادى الآخرة ١٤٤٨ هـ"; None outside its table."""
    try:
        hijri = Gregorian(value.year, value.month, value.day).to_hijri()
    except OverflowError:
        return None
    text = f"{hijri.day} {hijri.month_name('ar')} {hijri.year} {HIJRI_ERA}"
    return localise_digits(text, digits)


@pass_context
def _format_datetime(context: Context, value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return "—"
    zone = ZoneInfo(context.get("time_zone") or "UTC")
    locale, display = context["locale"], _display(context)
    if display.calendar == "hijri":
        # Babel reads a naive datetime as UTC; the Hijri day must agree with it.
        local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
        hijri = hijri_date(local.date(), display.digits)
        if hijri is not None:
            time = format_time(local, format="short", locale=locale)
            return f"{hijri}، {localise_digits(time, display.digits)}"
    text = format_datetime(value, format=format, tzinfo=zone, locale=locale)
    return localise_digits(text, display.digits)


@pass_context
def _format_date(context: Context, value: date | None, format: str = "medium") -> str:
    if value is None:
        return "—"
    display = _display(context)
    if display.calendar == "hijri":
        hijri = hijri_date(value, display.digits)
        if hijri is not None:
            return hijri
    text = format_date(value, format=format, locale=context["locale"])
    return localise_digits(text, display.digits)


@pass_context
def _format_iso_date(context: Context, value: date | None) -> str:
    """A date a page shows as data (2026-11-23, as in its URL and exports), in the Hijri
    calendar or with Arabic-Indic digits when the reader chose them."""
    if value is None:
        return "—"
    display = _display(context)
    if display.calendar == "hijri":
        hijri = hijri_date(value, display.digits)
        if hijri is not None:
            return hijri
    return localise_digits(value.isoformat(), display.digits)


@pass_context
def _format_number(context: Context, value: int | float | Decimal | None) -> str:
    if value is None:
        return "—"
    digits = _display(context).digits
    text = format_decimal(value, locale=context["locale"], numbering_system=_numbering(digits))
    return _signed(localise_digits(text, digits), digits, context["locale"])


@pass_context
def _format_metric(context: Context, value: float | Decimal | None) -> str:
    """A metric as pages show it: one decimal, through `number`; "—" when not measured."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return _format_number(context, round(value, 1))
    return _format_number(context, round(float(value), 1))


@pass_context
def _format_currency(context: Context, value: Decimal, currency: str) -> str:
    digits = _display(context).digits
    text = format_currency(
        value, currency, locale=context["locale"], numbering_system=_numbering(digits)
    )
    return _signed(localise_digits(text, digits), digits, context["locale"])


def create_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader([PackageLoader(package) for package in TEMPLATE_PACKAGES]),
        autoescape=select_autoescape(["html"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    environment.filters["datetime"] = _format_datetime
    environment.filters["date"] = _format_date
    environment.filters["isodate"] = _format_iso_date
    environment.filters["number"] = _format_number
    environment.filters["metric"] = _format_metric
    environment.filters["currency"] = _format_currency
    return environment
