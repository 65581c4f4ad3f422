"""Key phrases are found on the analysis form and shown in the customer's own spelling."""

from nabd.text.keyphrases import as_written, extract_key_phrases
from nabd.text.normalize import normalize_for_analysis
from nabd.text.pipeline import analyze


def test_phrases_come_back_in_the_texts_spelling() -> None:
    text = "التوصيل تأخّر ثلاثة أيام، تجربة سيئة جدا!"
    phrases = extract_key_phrases(normalize_for_analysis(text))
    assert "تجربه سييه" in phrases  # the analysis form folds ة and ئ
    shown = as_written(text, phrases)
    assert "تجربة سيئة" in shown
    assert all("،" not in phrase and "!" not in phrase for phrase in shown)


def test_a_phrase_that_cannot_be_lined_up_keeps_its_analysis_form() -> None:
    assert as_written("كلام آخر تماما", ["تجربه سييه"]) == ["تجربه سييه"]


def test_the_pipeline_stores_written_phrases() -> None:
    [annotation] = analyze(["خدمة العملاء ممتازة والموظفين متعاونين"])
    assert "خدمة العملاء ممتازة" in annotation.key_phrases
