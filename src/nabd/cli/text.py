"""`nabd text …` and `nabd eval text`: annotate files and measure the text models."""

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import typer
from rich.progress import Progress

from nabd.cli.context import (
    cli_actor,
    cli_session,
    console,
    fail,
    load_settings,
    workspace_by_slug,
)
from nabd.core.db import create_db_engine, create_session_factory
from nabd.core.types import utcnow
from nabd.text.accurate import AccurateUnavailable, load_accurate_backend
from nabd.text.annotations_service import count_stale
from nabd.text.annotator import annotator_for
from nabd.text.corrections import corrections_for_training
from nabd.text.evaluation import format_report, run_text_evaluation
from nabd.text.pipeline import analyze
from nabd.text.rescore import rescore_workspace, staleness_for
from nabd.text.training_data import sentiment_corrections
from nabd.text.training_service import (
    DEFAULT_SEED,
    set_accurate_backend,
    set_transformer_backend,
    train_workspace_model,
)

app = typer.Typer(help="Text analytics on files.", no_args_is_help=True)
evaluation_app = typer.Typer(help="Measure model quality on public data.", no_args_is_help=True)

BATCH_SIZE = 1000
# The accurate backend runs ~100 texts/s; its throughput is timed on a spread sample.
ACCURATE_THROUGHPUT_TEXTS = 2000
RESUME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
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


@app.command("rescore")
def rescore(
    workspace: str = typer.Option(..., help="Workspace slug."),
    everything: bool = typer.Option(
        False, "--all", help="Re-annotate every item, not only missing or outdated ones."
    ),
    annotated_before: datetime | None = typer.Option(
        None,
        formats=[RESUME_FORMAT],
        help="Resume an interrupted --all run: the UTC start time it printed.",
    ),
) -> None:
    """Re-annotate stored feedback after a model or taxonomy change; safe to interrupt."""
    settings = load_settings()
    cutoff = annotated_before.replace(tzinfo=UTC) if annotated_before else None
    if everything and cutoff is None:
        cutoff = utcnow()
        console.print(f"Resume with: --annotated-before {cutoff.strftime(RESUME_FORMAT)}")
    with cli_session(settings) as session:
        workspace_id = workspace_by_slug(session, workspace).id
        annotator = annotator_for(session, workspace_id=workspace_id)
        staleness = staleness_for(annotator, annotated_before=cutoff)
        pending = count_stale(session, workspace_id=workspace_id, staleness=staleness)
    engine = create_db_engine(settings.resolved_database_url)
    try:
        with Progress(console=console) as progress:
            task = progress.add_task("Annotating", total=pending)
            done = rescore_workspace(
                create_session_factory(engine),
                workspace_id=workspace_id,
                annotator=annotator,
                staleness=staleness,
                on_batch=lambda count: progress.advance(task, count),
            )
    except KeyboardInterrupt:
        # Committed batches stay done; the batch in flight was rolled back.
        fail("interrupted: run the same command again to continue where it stopped")
        return
    finally:
        engine.dispose()
    console.print(f"Annotated {done} items with {staleness.model_version}", highlight=False)


@app.command("train")
def train(
    workspace: str = typer.Option(..., help="Workspace slug."),
    seed: int = typer.Option(DEFAULT_SEED, help="Seed of the held-out split and the solver."),
) -> None:
    """Train a sentiment model on the workspace's rated comments and corrections; use it
    only if it beats the model in use on held-out comments of the workspace."""
    settings = load_settings()
    with cli_session(settings) as session:
        workspace_id = workspace_by_slug(session, workspace).id
        corrections = corrections_for_training(session, workspace_id=workspace_id)
        report = train_workspace_model(
            session,
            workspace_id=workspace_id,
            models_root=settings.data_dir,
            actor=cli_actor(),
            extra=sentiment_corrections(corrections),
            seed=seed,
        )
        version = report.version
        console.print(
            f"{version.version}: macro-F1 {version.macro_f1:.3f} on {version.test_count} held-out"
            f" texts (trained on {version.train_count}); {report.baseline} model in use:"
            f" {report.baseline_macro_f1:.3f}; shipped model: {version.shipped_macro_f1:.3f}",
            highlight=False,
        )
        outcome = "activated" if report.activated else "kept, not activated (not better)"
        console.print(f"{version.path}: {outcome}", highlight=False)


@app.command("backend")
def backend(
    workspace: str = typer.Option(..., help="Workspace slug."),
    transformer: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="A local transformer sentiment model directory (needs the [accurate] extra).",
    ),
    linear: bool = typer.Option(
        False, "--linear", help="Go back to the linear models (shipped or workspace-trained)."
    ),
    accurate: bool = typer.Option(
        False,
        "--accurate",
        help="e5 sentence embeddings stacked on the shipped model (needs the [embeddings] extra).",
    ),
) -> None:
    """Choose the sentiment backend a workspace's texts are scored with."""
    if [transformer is not None, linear, accurate].count(True) != 1:
        fail("give exactly one of --transformer DIR, --accurate or --linear")
        return
    with cli_session() as session:
        workspace_id = workspace_by_slug(session, workspace).id
        if accurate:
            settings = set_accurate_backend(session, workspace_id=workspace_id, actor=cli_actor())
        else:
            settings = set_transformer_backend(
                session, workspace_id=workspace_id, directory=transformer, actor=cli_actor()
            )
    console.print(
        f"{workspace}: {settings.backend} {settings.transformer_path or ''}".rstrip()
        + "; run `nabd text rescore` to re-annotate stored texts",
        highlight=False,
    )


@evaluation_app.command("text")
def evaluate_text(
    data: Path = typer.Option(
        Path("../shared/data"),
        exists=True,
        file_okay=False,
        help="Folder of the public labelled datasets.",
    ),
    backend: str = typer.Option(
        "linear",
        help="linear (the shipped model) or accurate (e5 embeddings + the shipped model; needs"
        " the [embeddings] extra, and times its throughput on 2,000 of the texts).",
    ),
) -> None:
    """Accuracy, macro-F1, F1-PN, topic F1, language-ID accuracy, throughput, model size and
    peak memory."""
    if backend not in ("linear", "accurate"):
        fail("--backend must be linear or accurate")
        return
    if backend == "linear":
        report = run_text_evaluation(data)
    else:
        try:
            accurate_backend = load_accurate_backend()
        except AccurateUnavailable as error:
            fail(str(error))
            return
        report = run_text_evaluation(
            data, backend=accurate_backend, throughput_texts=ACCURATE_THROUGHPUT_TEXTS
        )
    console.print(format_report(report), highlight=False)
