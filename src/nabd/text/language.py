"""Language identification: a script-ratio fast path, an Arabizi rule, lingua for the rest.

Most customer texts are plainly Arabic-script or plainly English, so counting letters decides
them in microseconds. Latin-script Arabic ("ana mesh 3aref", "7abibi") is caught by a rule,
because statistical detectors call it English. Only the remaining Latin-script texts and
Arabic-script texts with Persian/Urdu letters go to ``lingua``, restricted to a few languages
and loaded lazily (never the all-languages mode, which needs about 1 GB).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from lingua import LanguageDetector

LanguageCode = Literal["ar", "en", "mixed", "other"]


def _word_block(block: str) -> frozenset[str]:
    return frozenset(block.split())


Script = Literal["arabic", "latin", "mixed", "none"]

_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]")
_LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f]")
_ARABIC_WORD = re.compile(
    r"[\u0621-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc]{2,}"
)
_LATIN_WORD = re.compile(
    r"[A-Za-z\u00c0-\u024f0-9']*[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f0-9']*"
)
# Letters used by Persian and Urdu but not by Arabic.
_NON_ARABIC_LETTER = re.compile(r"[پچژگکیٹڈڑںھےۓ]")
_URL_OR_MENTION = re.compile(r"(?:https?://|www\.)\S+|[@#]\w+", re.IGNORECASE)

# A digit standing for an Arabic sound (3 = ع, 7 = ح, 2 = ء, 5 = خ, 9 = ق ...) inside a word.
_ARABIZI_DIGIT_WORD = re.compile(r"^(?:[a-z]+[235679][a-z]*|[235679][a-z]+)$")
_ENGLISH_UNIT_SUFFIX = re.compile(r"^\d+(?:st|nd|rd|th|am|pm|k|kg|km|h|hr|hrs|min|mins|gb|mb|x)$")
_ARABIZI_WORDS = _word_block(
    """ana enta enti inta inti ente mesh msh mish mush wallah wallahi walah yalla yallah
    habibi habibti inshallah inshalla shukran shokran keda kda kteer ktir kter ktiir ya3ni
    yani 3ala ma3 wla ahla ahlan tayeb tayyib tamam zay ezay izay leh lesh laish shu shou
    aywa la2 mafi mafish ma fih kaman ba2a lazem mumtaz momtaz zeft helw 7elw wa7ed sabah
    masa mar7aba marhaba akid akeed khalas 5alas ma3lesh ma3lish 3ashan 3shan 3ayez 3ayza
    bade baddi bidi hal2 hala2 delwa2ti dilwa2ti awi 2awi gedan geddan gamed gamda ebn
    ya3am 3am 7aga 7aja eshi ishi shi ahsan a7san zaki ta3ban bardo bardu kawayes kwayes
    kwayyes mashallah alhamdulillah hamdella yaret ya reet"""
)
# Common English words; used to keep English out of the Arabizi rule and to skip lingua.
_ENGLISH_WORDS = _word_block(
    """the a an and or but not no is are was were be been am i you he she it we they me my
    your our their this that these those to of in on at for with from by as so very too
    just have has had do does did don't didn't can't won't isn't wasn't can will would
    should could what why how when where who there here all any some more most thanks
    thank please good bad great service flight customer time help get got still never
    again today hour hours now delayed cancelled love hate best worst ok okay yes"""
)
_LINGUA_LANGUAGES = (
    "ARABIC",
    "ENGLISH",
    "FRENCH",
    "SPANISH",
    "GERMAN",
    "TURKISH",
    "INDONESIAN",
    "PERSIAN",
    "URDU",
)
# The minority script must hold this share of the words (and two words) to call a text mixed.
_MIXED_WORD_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class LanguageResult:
    """The language of a text, its dominant script and whether it is Arabizi."""

    language: LanguageCode
    script: Script
    arabizi: bool = False


def detect_language(text: str) -> LanguageCode:
    """Return "ar", "en", "mixed" or "other" for one text (Arabizi counts as "ar")."""
    return identify_languages([text])[0].language


def identify_language(text: str) -> LanguageResult:
    """Return the language, script and Arabizi flag of one text."""
    return identify_languages([text])[0]


def identify_languages(texts: Sequence[str]) -> list[LanguageResult]:
    """Identify many texts; only the undecided ones are sent, in one batch, to lingua."""
    results: list[LanguageResult | None] = []
    undecided: list[int] = []
    for text in texts:
        result = _identify_by_rules(text)
        if result is None:
            undecided.append(len(results))
        results.append(result)
    if undecided:
        detected = _lingua_detector().detect_languages_in_parallel_of(
            [_URL_OR_MENTION.sub(" ", texts[index]) for index in undecided]
        )
        for index, language in zip(undecided, detected, strict=True):
            results[index] = _from_lingua(texts[index], language)
    return [result for result in results if result is not None]


def is_arabizi(text: str) -> bool:
    """Return whether a Latin-script text reads as Arabic written with Latin letters and digits."""
    words = [word.lower() for word in _LATIN_WORD.findall(_URL_OR_MENTION.sub(" ", text))]
    if not words:
        return False
    digit_words = sum(
        1
        for word in words
        if _ARABIZI_DIGIT_WORD.match(word) and not _ENGLISH_UNIT_SUFFIX.match(word)
    )
    arabizi_hits = digit_words + sum(1 for word in words if word in _ARABIZI_WORDS)
    english_hits = sum(1 for word in words if word in _ENGLISH_WORDS)
    if digit_words and len(words) <= 2:
        return True
    return arabizi_hits >= 2 and arabizi_hits > english_hits


def _identify_by_rules(text: str) -> LanguageResult | None:
    latin_text = (
        _URL_OR_MENTION.sub(" ", text)
        if ("@" in text or "#" in text or "http" in text or "www" in text)
        else text
    )
    has_latin = _LATIN_LETTER.search(latin_text) is not None
    has_arabic = _ARABIC_LETTER.search(text) is not None
    if has_arabic and not has_latin:
        # The common case: decided without counting.
        return None if _NON_ARABIC_LETTER.search(text) else LanguageResult("ar", "arabic")
    arabic_letters = len(_ARABIC_LETTER.findall(text)) if has_arabic else 0
    latin_letters = len(_LATIN_LETTER.findall(latin_text)) if has_latin else 0
    if arabic_letters == 0 and latin_letters == 0:
        return LanguageResult("other", "none")
    if arabic_letters and latin_letters:
        arabic_words = len(_ARABIC_WORD.findall(text))
        latin_words = len(_LATIN_WORD.findall(latin_text))
        minority = min(arabic_words, latin_words)
        if minority >= 2 and minority / (arabic_words + latin_words) >= _MIXED_WORD_SHARE:
            return LanguageResult("mixed", "mixed")
    if arabic_letters >= latin_letters:
        if _NON_ARABIC_LETTER.search(text):
            return None
        return LanguageResult("ar", "arabic")
    if is_arabizi(latin_text):
        return LanguageResult("ar", "latin", arabizi=True)
    words = [word.lower() for word in _LATIN_WORD.findall(latin_text)]
    english_hits = sum(1 for word in words if word in _ENGLISH_WORDS)
    if english_hits >= min(2, len(words)) and english_hits / len(words) >= 0.25:
        return LanguageResult("en", "latin")
    return None


def _from_lingua(text: str, language: object) -> LanguageResult:
    name = getattr(language, "name", None)
    script: Script = "arabic" if _ARABIC_LETTER.search(text) else "latin"
    if name == "ARABIC":
        return LanguageResult("ar", script)
    if name == "ENGLISH" or (name is None and script == "latin"):
        # lingua abstains on one-word texts such as "ok"; Latin script is English far more
        # often than anything else in our customers' feedback.
        return LanguageResult("en", script)
    return LanguageResult("other", script)


@lru_cache(maxsize=1)
def _lingua_detector() -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _LINGUA_LANGUAGES]
    return LanguageDetectorBuilder.from_languages(*languages).build()
