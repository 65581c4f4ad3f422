"""Text normalisation for analysis and for search.

Stored text is never changed: these functions produce a second, analysis-only form so that
spelling variants ("أحمد"/"احمد", "رااائع"/"رائع", "٣"/"3") count as the same word.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Harakat, tanween, shadda, sukun, dagger alef and the Quranic annotation marks.
_DIACRITICS = "".join(
    chr(code)
    for code in [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06EE)]
)
_TATWEEL = "\u0640"
# Zero-width and bidi control characters copied from phones and web pages.
_INVISIBLES = (
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)

_ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"

# Character-for-character folds shared by analysis and search (all keep the length).
_LETTER_FOLDS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ؤ": "و",
    "ئ": "ي",
    "ک": "ك",  # Persian keheh typed on Persian/Urdu keyboards
    "ی": "ي",  # Persian yeh
    "٫": ".",
    "٬": ",",
    "’": "'",
    "‘": "'",
}
_FOLD_TABLE = str.maketrans(
    {
        **_LETTER_FOLDS,
        **{digit: str(value) for value, digit in enumerate(_ARABIC_INDIC_DIGITS)},
        **{digit: str(value) for value, digit in enumerate(_PERSIAN_DIGITS)},
    }
)
_DELETE_TABLE = str.maketrans(dict.fromkeys(_DIACRITICS + _TATWEEL + _INVISIBLES))
_DELETE_CHARACTERS = frozenset(_DIACRITICS + _TATWEEL + _INVISIBLES)
_ANALYSIS_TABLE = {**_FOLD_TABLE, **_DELETE_TABLE}

_URL_OR_MENTION = re.compile(r"(?:https?://|www\.)\S+|(?<!\w)@\w+", re.IGNORECASE)
_HASHTAG = re.compile(r"#(\w+)")
_RUN = re.compile(r"(\D)\1{2,}")
_WHITESPACE = re.compile(r"\s+")
_REMOVABLE = re.compile(f"[{re.escape(_DIACRITICS + _TATWEEL + _INVISIBLES)}]")

# An emoji or pictograph becomes its own token, so "حلو😍" gives "حلو" and "😍".
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u2190-\u21ff\u3030\u303d]"
)
_TOKEN = re.compile(
    r"[^\W_]+(?:'[^\W_]+)?"
    "|[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\u2190-\u21ff]"
)


def fold_characters(text: str) -> str:
    """Fold letter variants and digits without removing anything (length is preserved)."""
    return text.translate(_FOLD_TABLE)


def strip_marks(text: str) -> str:
    """Remove diacritics, tatweel and invisible control characters."""
    return text.translate(_DELETE_TABLE)


def normalize_for_analysis(text: str) -> str:
    """Return the analysis form of a text: the input of the models and lexicons.

    Folds Arabic letter variants, removes diacritics and tatweel, caps elongations
    ("رااائع" → "رائع", "soooo" → "soo"), turns Arabic-Indic digits into ASCII, lowercases
    Latin letters, drops URLs and @mentions, keeps hashtag words and separates emoji.
    """
    # The pipeline normalises a one-clause text twice (as clause and as text); a small
    # cache of short texts makes the second time free while bounding memory.
    if len(text) <= _CACHED_LENGTH:
        return _normalize_short(text)
    return _normalize(text)


_CACHED_LENGTH = 512


@lru_cache(maxsize=4096)
def _normalize_short(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.translate(_ANALYSIS_TABLE).lower()
    if "@" in text or "http" in text or "www" in text:
        text = _URL_OR_MENTION.sub(" ", text)
    if "#" in text:
        text = _HASHTAG.sub(lambda match: " " + match.group(1).replace("_", " ") + " ", text)
    text = _RUN.sub(_cap_run, text)
    text = _EMOJI.sub(r" \g<0> ", text)
    return " ".join(text.split())


def _cap_run(match: re.Match[str]) -> str:
    # Arabic words never hold three equal letters in a row, so the run becomes one letter
    # (a word-initial "ههه…" is laughter and stays "ههه"). Latin runs become two
    # ("goood" → "good"), and so do symbol and emoji runs.
    character = match.group(1)
    if "\u0621" <= character <= "\u064a":
        starts_word = match.start() == 0 or not match.string[match.start() - 1].isalpha()
        return "ههه" if character == "ه" and starts_word else character
    if character.isspace():
        return match.group(0)
    return character * 2


def normalize_for_search(text: str) -> str:
    """Return the search key of a text, so that "احمد" matches "أحمد" and "مدرسة" "مدرسه".

    Lighter than analysis: no elongation capping and no URL/mention removal, so names,
    e-mails and phone numbers keep their exact letters apart from the folds.
    """
    if not text:
        return ""
    if text.isascii():
        # ASCII is its own NFKC form, holds no mark or fold of the tables, casefolds as it
        # lowercases, and `split` cuts at the whitespace `\s` matches: the same key, nine
        # times faster (every customer an ingested event creates is indexed by it).
        return " ".join(text.lower().split())
    text = unicodedata.normalize("NFKC", text)
    text = strip_marks(text).translate(_FOLD_TABLE).casefold()
    return _WHITESPACE.sub(" ", text).strip()


def tokenize(normalized_text: str) -> list[str]:
    """Split an analysis-form text into word and emoji tokens (punctuation is dropped)."""
    return _TOKEN.findall(normalized_text)


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Fold a text for matching and map each folded character back to its source index.

    Returns the folded text and, when characters were removed, the source index of every
    folded character (``None`` means the indices are unchanged). Used to report matched
    spans in the original text.
    """
    folded = text.translate(_FOLD_TABLE).lower()
    if len(folded) == len(text) and not _REMOVABLE.search(folded):
        return folded, None
    kept_characters: list[str] = []
    offsets: list[int] = []
    for index, character in enumerate(text):
        if character in _DELETE_CHARACTERS:
            continue
        replacement = character.translate(_FOLD_TABLE).lower()
        kept_characters.append(replacement)
        offsets.extend([index] * len(replacement))
    return "".join(kept_characters), offsets
