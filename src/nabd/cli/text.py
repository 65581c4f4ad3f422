"""`nabd text …` and `nabd eval text`: annotate files and measure the text models."""

import csv
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import typer
from rich.progress import Progress

from nabd.cli.context import console, fail
from nabd.text.evaluation import format_report, run_text_evaluation
from nabd.text.pipeline import analyze

app = typer.Typer(help="Text analytics on files.", no_args_is_help=True)
evaluation_app = typer.Typer(help="Measure model quality on public data.", no_args_is_help=True)

BATCH_SIZE = 1000
ANNOTATION_COLUMNS = (
    "language",
    "sentiment",
    "sentiment_score",
    "topics",
    "intent",
    "emotion",
    "key_phrases",
    "urgent",
)


def _batches(rows: Iterator[dict[str, str]], size: int) -> Iterator[list[dict[str, str]]]:
    while batch := list(islice(rows, size)):
        yield batch


def _annotation_columns(annotation: dict[str, object]) -> dict[str, object]:
    sentiment = annotation["sentiment"]
    assert isinstance(sentiment, dict)
    return {
        "language": annotation["language"],
        "sentiment": sentiment["label"],
        "sentiment_score": round(float(sentiment["score"]), 4),
        "topics": json.dumps(annotation["topics"], ensure_ascii=False),
        "intent": annotation["intent"],
        "emotion": annotation["emotion"],
        "key_phrases": json.dumps(annotation["key_phrases"], ensure_ascii=False),
        "urgent": annotation.get("urgent"),
    }


@app.command("analyze")
def analyze_file(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A UTF-8 CSV file."),
    column: str = typer.Option("text", help="The column holding the texts."),
    output: Path | None = typer.Option(None, help="Where to write (default FILE.annotated.csv)."),
) -> None:
    """Annotate every row's text and write the file back with annotation columns added."""
    target = output or file.with_suffix(".annotated.csv")
    with file.open(encoding="utf-8-sig", newline="") as source:
        reader = csv.DictReader(source)
        if reader.fieldnames is None or column not in reader.fieldnames:
            fail(f"{file}: no column named {column!r} (columns: {reader.fieldnames})")
            return
        fields = [
            *reader.fieldnames,
            *(c for c in ANNOTATION_COLUMNS if c not in reader.fieldnames),
        ]
        with (
            target.open("w", encoding="utf-8-sig", newline="") as sink,
            Progress(console=console) as progress,
        ):
            writer = csv.DictWriter(sink, fieldnames=fields)
            writer.writeheader()
            task = progress.add_task("Annotating", total=None)
            # Streamed in batches: a million-row export never sits in memory at once.
            for batch in _batches(iter(reader), BATCH_SIZE):
                annotations = analyze([row[column] or "" for row in batch])
                for row, annotation in zip(batch, annotations, strict=True):
                    writer.writerow({**row, **_annotation_columns(annotation.as_dict())})
                progress.advance(task, len(batch))
    console.print(f"Wrote {target}")


@evaluation_app.command("text")
def evaluate_text(
    data: Path = typer.Option(
        Path("../shared/data"),
        exists=True,
        file_okay=False,
        help="Folder of the public labelled datasets.",
    ),
) -> None:
    """Accuracy, macro-F1, F1-PN, topic F1, language-ID accuracy, throughput and model size."""
    console.print(format_report(run_text_evaluation(data)), highlight=False)
