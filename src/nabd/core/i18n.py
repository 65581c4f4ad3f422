"""Catalogue-backed translation and locale negotiation.

Message ids are English; the Arabic catalogues live in `nabd/locale/ar/LC_MESSAGES`: the
shared `messages.po` and one `<domain>.po` per domain that has its own strings, so domains can
grow in parallel. They are merged and compiled in memory at first use, so no generated binary is
committed and a catalogue can never be stale.
"""

import gettext as gettext_module
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import Literal

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

Locale = Literal["ar", "en"]
LOCALES: tuple[Locale, ...] = ("ar", "en")
RTL_LOCALES = frozenset({"ar"})


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    """Mark a string for extraction; it is translated later, where the locale is known."""
    return message


def catalogue_paths(locale: str) -> list[str]:
    folder = files("nabd") / "locale" / locale / "LC_MESSAGES"
    return sorted(str(entry) for entry in folder.iterdir() if entry.name.endswith(".po"))


def read_catalogue(locale: str) -> Catalog:
    """Every catalogue of a locale merged into one; the first translation of an id wins."""
    merged = Catalog(locale=locale)
    for path in catalogue_paths(locale):
        with open(path, "rb") as po_file:
            for message in read_po(po_file, locale=locale):
                if message.id and message.string and message.id not in merged:
                    merged.add(message.id, message.string, flags=message.flags)
    return merged


@cache
def translations_for(locale: str) -> gettext_module.NullTranslations:
    if locale not in LOCALES or locale == "en":
        return gettext_module.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, read_catalogue(locale))
    compiled.seek(0)
    return Translations(fp=compiled)


def gettext(locale: str, message: str) -> str:
    return translations_for(locale).gettext(message)


def ngettext(locale: str, singular: str, plural: str, count: int) -> str:
    return translations_for(locale).ngettext(singular, plural, count)


def direction(locale: str) -> Literal["rtl", "ltr"]:
    return "rtl" if locale in RTL_LOCALES else "ltr"


def coerce_locale(value: str | None) -> Locale | None:
    """Map `ar`, `ar-SA`, `EN_us` … to a supported locale, or None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    for locale in LOCALES:
        if primary == locale:
            return locale
    return None


def negotiate_accept_language(header: str | None) -> Locale | None:
    """The supported locale the browser prefers most, honouring q-values."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag))
    for negative_quality, _position, tag in sorted(ranked):
        locale = coerce_locale(tag)
        if locale and negative_quality < 0:
            return locale
    return None
