"""Pydantic validation errors as `{field, reason}` pairs, in the reader's language."""

from collections.abc import Iterable, Mapping
from typing import Any

from nabd.core.i18n import N_, gettext

_LOCATION_PREFIXES = {"body", "query", "path", "header", "cookie", "form"}

# Pydantic error type → catalogue message; `%(name)s` fields come from the error's ctx.
_REASONS = {
    "missing": N_("This field is required."),
    "string_too_short": N_("Must be at least %(min_length)s characters."),
    "string_too_long": N_("Must be at most %(max_length)s characters."),
    "too_short": N_("Must have at least %(min_length)s items."),
    "too_long": N_("Must have at most %(max_length)s items."),
    "greater_than_equal": N_("Must be %(ge)s or more."),
    "less_than_equal": N_("Must be %(le)s or less."),
    "greater_than": N_("Must be more than %(gt)s."),
    "less_than": N_("Must be less than %(lt)s."),
    "int_parsing": N_("Must be a whole number."),
    "int_type": N_("Must be a whole number."),
    "float_parsing": N_("Must be a number."),
    "bool_parsing": N_("Must be true or false."),
    "string_type": N_("Must be text."),
    "enum": N_("Must be one of: %(expected)s."),
    "literal_error": N_("Must be one of: %(expected)s."),
    "extra_forbidden": N_("This field is not allowed."),
    "datetime_parsing": N_("Must be an ISO 8601 date and time."),
    "datetime_from_date_parsing": N_("Must be an ISO 8601 date and time."),
    "timezone_aware": N_("Must include a time zone offset."),
    "json_invalid": N_("The body is not valid JSON."),
    "model_attributes_type": N_("Must be an object."),
    "dict_type": N_("Must be an object."),
    "list_type": N_("Must be a list."),
}
_EMAIL_REASON = N_("Not a valid e-mail address.")
_FALLBACK_REASON = N_("Not a valid value.")


def field_path(location: Iterable[Any]) -> str:
    parts = list(location)
    if len(parts) > 1 and parts[0] in _LOCATION_PREFIXES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


def _reason(error: Mapping[str, Any], locale: str) -> str:
    kind = error.get("type", "")
    context = dict(error.get("ctx") or {})
    if kind == "value_error":
        cause = context.get("error")
        message = str(cause) if cause is not None else ""
        if "email" in message.lower():
            return gettext(locale, _EMAIL_REASON)
        # Our own validators raise ValueError with a catalogue message id.
        return gettext(locale, message.removeprefix("Value error, ") or _FALLBACK_REASON)
    template = _REASONS.get(kind)
    if template is None:
        return gettext(locale, _FALLBACK_REASON)
    try:
        return gettext(locale, template) % context
    except (KeyError, TypeError):
        return gettext(locale, _FALLBACK_REASON)


def describe_errors(errors: Iterable[Mapping[str, Any]], locale: str) -> list[dict[str, str]]:
    """One `{field, reason}` per problem, the reason translated into `locale`."""
    return [
        {"field": field_path(error["loc"]), "reason": _reason(error, locale)} for error in errors
    ]
