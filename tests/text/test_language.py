"""Language identification, including Arabizi and mixed texts."""

import csv
from pathlib import Path

import pytest

from nabd.text.language import detect_language, identify_language, identify_languages, is_arabizi

FIXTURE = Path(__file__).parents[1] / "fixtures" / "text" / "language_samples.tsv"


def _samples() -> list[tuple[str, str, bool]]:
    with FIXTURE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [(row["text"], row["language"], row["arabizi"] == "true") for row in rows]


@pytest.mark.parametrize(("text", "language", "arabizi"), _samples())
def test_language_samples(text: str, language: str, arabizi: bool) -> None:
    result = identify_language(text)
    assert (result.language, result.arabizi) == (language, arabizi)


def test_batch_matches_single_calls_and_keeps_order() -> None:
    texts = [text for text, _, _ in _samples()]
    assert [result.language for result in identify_languages(texts)] == [
        detect_language(text) for text in texts
    ]


def test_arabizi_reports_latin_script() -> None:
    result = identify_language("ana mesh 3aref")
    assert result.script == "latin"
    assert result.language == "ar"


@pytest.mark.parametrize(
    "text", ["I'm 3rd in line at 5pm", "Flight 737 to LAX", "covid19 rules", "the 2nd bag"]
)
def test_digits_in_english_are_not_arabizi(text: str) -> None:
    assert not is_arabizi(text)
    assert detect_language(text) == "en"


def test_one_brand_name_does_not_make_arabic_mixed() -> None:
    assert detect_language("جوال iPhone ممتاز والتوصيل سريع") == "ar"
