"""Search terms and queries fold Arabic spelling variants and compare phones as digits."""

from hypothesis import given
from hypothesis import strategies as st

from nabd.customers.search import (
    MAX_TERM_LENGTH,
    _words_of_folded,
    customer_terms,
    query_alternatives,
    sort_key_of_name,
)
from nabd.text.normalize import normalize_for_search


def test_name_words_are_folded() -> None:
    terms = customer_terms("أحمد بن عليّ آل سعود", [])
    assert {"احمد", "بن", "علي", "ال", "سعود"} <= terms


def test_taa_marbuta_alef_maqsura_and_tatweel_fold() -> None:
    assert customer_terms("فاطمة مصطفى", []) == {"فاطمه", "مصطفي"}
    assert customer_terms("محـــمد", []) == {"محمد"}


def test_email_phone_and_external_id_terms() -> None:
    terms = customer_terms(
        None,
        [
            ("email", "Sara.Ali@Example.com"),
            ("phone", "+966 55 123 4567"),
            ("external_id", "CRM-7"),
        ],
    )
    assert {"sara.ali@example.com", "sara.ali", "sara", "ali"} <= terms
    assert {"966551234567", "551234567"} <= terms
    assert {"crm-7", "crm", "7"} <= terms


def test_an_external_id_is_one_folded_term_and_its_words() -> None:
    assert customer_terms(None, [("external_id", "CRM_أحمد-7")]) == {
        "crm_احمد-7",
        "crm",
        "احمد",
        "7",
    }


@given(st.text())
def test_an_external_id_of_one_word_takes_the_short_cut_to_the_same_terms(value: str) -> None:
    """A folded id that is all letters and digits is its one word (`str.isalnum`); any id's
    terms are those of the split."""
    folded = normalize_for_search(value)
    expected = {term[:MAX_TERM_LENGTH] for term in {folded, *_words_of_folded(folded)} if term}
    assert customer_terms(None, [("external_id", value)]) == expected


def test_anonymous_ids_are_not_searchable() -> None:
    assert customer_terms(None, [("anonymous_id", "cookie-abc")]) == set()


def test_queries() -> None:
    assert query_alternatives("  احمد  العتيبى ") == [{"احمد"}, {"العتيبي"}]
    assert query_alternatives("0551234567") == [{"0551234567", "551234567"}]
    assert query_alternatives("+966 55 123") == [{"96655123"}]
    assert query_alternatives("sara.ali@exa") == [{"sara.ali@exa"}]
    assert query_alternatives("   ") == []


def test_sort_key() -> None:
    assert sort_key_of_name("إيمان") == sort_key_of_name("ايمان") == "ايمان"
    assert sort_key_of_name(None) == ""
