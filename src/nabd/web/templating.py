"""The Jinja2 environment: autoescaping, per-request translation, locale-aware formatting."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from jinja2 import ChoiceLoader, Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from nabd.core.i18n import gettext, ngettext

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
)


@pass_context
def _gettext(context: Context, message: str) -> str:
    return gettext(context["locale"], message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return ngettext(context["locale"], singular, plural, count)


@pass_context
def _format_datetime(context: Context, value: datetime | None, format: str = "medium") -> str:
    if value is None:
        return "—"
    zone = ZoneInfo(context.get("time_zone") or "UTC")
    return format_datetime(value, format=format, tzinfo=zone, locale=context["locale"])


@pass_context
def _format_number(context: Context, value: int | float | Decimal | None) -> str:
    if value is None:
        return "—"
    return format_decimal(value, locale=context["locale"])


@pass_context
def _format_currency(context: Context, value: Decimal, currency: str) -> str:
    return format_currency(value, currency, locale=context["locale"])


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
    environment.filters["number"] = _format_number
    environment.filters["currency"] = _format_currency
    return environment
