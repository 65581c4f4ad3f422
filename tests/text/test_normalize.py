"""The normaliser: pinned input → analysis form / search key cases."""

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nabd.text.normalize import (
    _FOLD_TABLE,
    _WHITESPACE,
    fold_with_offsets,
    normalize_for_analysis,
    normalize_for_search,
    strip_marks,
    tokenize,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنه"),
        ("ٱلله", "الله"),
        ("مستشفى", "مستشفي"),
        ("مدرسة", "مدرسه"),
        ("مسؤول", "مسوول"),
        ("مسئول", "مسيول"),
        ("جداً", "جدا"),
        ("مُمْتَاز", "ممتاز"),
        ("مـــمـــتـــاز", "ممتاز"),
        ("رااائع", "رايع"),
        ("جميييييل", "جميل"),
        ("الخدمةةة", "الخدمه"),
        ("ممكن", "ممكن"),
        ("هههههه", "ههه"),
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۱۲۳", "123"),
        ("ﻻ", "لا"),
        ("soooo GOOOOD", "soo good"),
        ("good", "good"),
        ("!!!!!", "!!"),
        ("حلو😍", "حلو 😍"),
        ("😍😍😍😍", "😍 😍"),
        ("@united thanks", "thanks"),
        ("see http://t.co/abc now", "see now"),
        ("#خدمة_العملاء", "خدمه العملاء"),
        ("fish &amp; chips", "fish & chips"),
        ("I’m fine", "i'm fine"),
        ("a \u200f b\u200b", "a b"),
        ("  spaced   out  ", "spaced out"),
        ("", ""),
    ],
)
def test_normalize_for_analysis(raw: str, expected: str) -> None:
    assert normalize_for_analysis(raw) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("احمد", "أحمد"),
        ("ابراهيم", "إبراهيم"),
        ("مدرسة", "مدرسه"),
        ("علي", "على"),
        ("مُحَمَّد", "محمد"),
        ("Ahmed", "AHMED"),
        ("٠٥٥١٢٣", "055123"),
    ],
)
def test_search_keys_match_spelling_variants(left: str, right: str) -> None:
    assert normalize_for_search(left) == normalize_for_search(right)


def test_search_keeps_emails_and_elongation() -> None:
    # Search must not rewrite e-mail addresses or cap letters inside names.
    assert normalize_for_search("Sara@Example.com") == "sara@example.com"
    assert normalize_for_search("wooo") == "wooo"


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_search_keys_are_those_of_the_general_path(text: str) -> None:
    """An ASCII text takes a short cut (`str.lower`, `split`); its key is the full path's."""
    folded = strip_marks(unicodedata.normalize("NFKC", text)).translate(_FOLD_TABLE).casefold()
    assert normalize_for_search(text) == _WHITESPACE.sub(" ", folded).strip()


def test_tokenize_keeps_emoji_and_drops_punctuation() -> None:
    assert tokenize(normalize_for_analysis("حلو!! 😍 don't")) == ["حلو", "😍", "don't"]


def test_fold_with_offsets_maps_back_to_the_source() -> None:
    folded, offsets = fold_with_offsets("مُمتاز جداً")
    assert folded == "ممتاز جدا"
    assert offsets is not None
    assert [offsets[index] for index in range(len(folded))][:2] == [0, 2]


def test_fold_without_removals_keeps_indices() -> None:
    folded, offsets = fold_with_offsets("أحمد")
    assert folded == "احمد"
    assert offsets is None
