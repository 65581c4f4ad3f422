"""The words a customer can be found by, and the words of a search query.

Pure functions: both sides go through `normalize_for_search`, so "احمد" finds "أحمد" and
"مدرسه" finds "مدرسة"; phone numbers are compared as digits.
"""

import re
from collections.abc import Iterable

from nabd.text.normalize import normalize_for_search

MAX_TERM_LENGTH = 320
# The subscriber part of a phone number, so "0551234567" finds "+966551234567".
NATIONAL_DIGITS = 9
_WORD_SEPARATORS = re.compile(r"[\s._\-+@,;:/()'\"]+")
_PHONE_QUERY = re.compile(r"^\+?[\d\s\-()]{3,}$")
_NON_DIGITS = re.compile(r"\D")


def _words(text: str) -> set[str]:
    return _words_of_folded(normalize_for_search(text))


def _words_of_folded(folded: str) -> set[str]:
    return {word for word in _WORD_SEPARATORS.split(folded) if word}


def _phone_terms(phone: str) -> set[str]:
    digits = _NON_DIGITS.sub("", normalize_for_search(phone))
    return {digits, digits[-NATIONAL_DIGITS:]} if digits else set()


def customer_terms(display_name: str | None, identities: Iterable[tuple[str, str]]) -> set[str]:
    """Every term a customer is indexed under: name words, e-mail, phone, external id."""
    terms = _words(display_name) if display_name else set()
    for kind, value in identities:
        if kind == "email":
            folded = normalize_for_search(value)
            local_part = folded.partition("@")[0]
            terms |= {folded, local_part, *_words(local_part)}
        elif kind == "phone":
            terms |= _phone_terms(value)
        elif kind == "external_id":
            # Folded once (every customer an ingested event creates has its terms built).
            folded = normalize_for_search(value)
            if folded.isalnum():
                # One word: no separator to split it at (each is neither a letter nor a digit).
                terms.add(folded)
            else:
                terms |= {folded, *_words_of_folded(folded)}
    return {term[:MAX_TERM_LENGTH] for term in terms if term}


def query_alternatives(query: str) -> list[set[str]]:
    """One set of acceptable prefixes per query word; a customer must match every word."""
    query = query.strip()
    if _PHONE_QUERY.match(query):
        digits = _NON_DIGITS.sub("", normalize_for_search(query))
        national = digits.lstrip("0")
        return [{digits, national} - {""}] if digits else []
    folded = normalize_for_search(query)
    if "@" in folded:
        # A whole e-mail address is indexed as one term; match it as typed.
        return [{folded[:MAX_TERM_LENGTH]}]
    return [{word[:MAX_TERM_LENGTH]} for word in _WORD_SEPARATORS.split(folded) if word]


def sort_key_of_name(display_name: str | None) -> str:
    """The folded name the list sorts by ("" for customers known only by an identifier)."""
    return normalize_for_search(display_name or "")[:200]
