"""The Arabic catalogue covers every user-facing string; locale negotiation is predictable."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from nabd.core.i18n import coerce_locale, gettext, negotiate_accept_language, read_catalogue

SOURCE = Path(__file__).resolve().parents[2] / "src" / "nabd"
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
KEYWORDS = {"_": None, "N_": None, "gettext": (2,), "ngettext": (2, 3)}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}


def _extracted_messages() -> set[str]:
    messages = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SOURCE), METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS
    ):
        messages.update([message] if isinstance(message, str) else message)
    return {message for message in messages if message}


def _arabic_catalogue() -> dict[str, str]:
    return {m.id: m.string for m in read_catalogue("ar") if m.id}  # type: ignore[misc]


def test_every_marked_string_has_an_arabic_translation() -> None:
    extracted = _extracted_messages()
    assert len(extracted) > 100
    catalogue = _arabic_catalogue()
    missing = sorted(extracted - {k for k, v in catalogue.items() if v})
    assert missing == [], "run `make messages` and translate these"


def test_arabic_translations_are_arabic() -> None:
    # Only names and codes may stay Latin; every translation must contain Arabic letters.
    untranslated = [k for k, v in _arabic_catalogue().items() if not ARABIC_LETTER.search(v)]
    assert untranslated == []


def test_placeholders_survive_translation() -> None:
    placeholder = re.compile(r"%\(\w+\)s")
    for message_id, translation in _arabic_catalogue().items():
        assert sorted(placeholder.findall(message_id)) == sorted(placeholder.findall(translation))


def test_templates_use_no_bare_text_outside_the_catalogue() -> None:
    # A visible English word between tags that is not wrapped in _() would escape the test above.
    bare_text = re.compile(r">\s*([A-Za-z][A-Za-z ,.'!?-]{3,})\s*<")
    allowed = {"English", "nabd API"}
    offenders = []
    for template in SOURCE.rglob("templates/**/*.html"):
        for match in bare_text.finditer(template.read_text(encoding="utf-8")):
            if match.group(1).strip() not in allowed:
                offenders.append((template.name, match.group(1)))
    assert offenders == []


def test_translation_lookup() -> None:
    assert gettext("ar", "Overview") == "نظرة عامة"
    assert gettext("en", "Overview") == "Overview"
    assert gettext("ar", "a string nobody marked") == "a string nobody marked"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ar-SA,ar;q=0.9,en;q=0.8", "ar"),
        ("en-US,en;q=0.9,ar;q=0.8", "en"),
        ("fr-FR, ar;q=0.3, en;q=0.2", "ar"),
        ("fr-FR", None),
        ("en;q=0, ar;q=0.1", "ar"),
        ("", None),
        (None, None),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str | None) -> None:
    assert negotiate_accept_language(header) == expected


def test_coerce_locale() -> None:
    assert coerce_locale("AR_eg") == "ar"
    assert coerce_locale("en-GB") == "en"
    assert coerce_locale("de") is None
