"""`nabd import …`: CSV/XLSX files of customers, transactions, events, feedback or survey
responses."""

import gc
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy.exc import DBAPIError

from nabd.cli.context import (
    cli_actor,
    cli_session,
    console,
    error_console,
    fail,
    load_settings,
    workspace_by_slug,
)
from nabd.core.db import create_db_engine, create_session_factory
from nabd.customers.references import using_phone_region
from nabd.imports.mapping import InvalidMapping, Kind, Mapping, choose_mapping, load_mapping
from nabd.imports.readers import count_rows, read_rows
from nabd.imports.runner import (
    DEFAULT_BATCH_SIZE,
    ImportReport,
    ImportStopped,
    record_import,
    run_import,
)
from nabd.surveys import imports as survey_imports
from nabd.surveys import service as surveys

app = typer.Typer(help="Import CSV or XLSX files.", no_args_is_help=True)

FileArgument = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
WorkspaceOption = Annotated[str, typer.Option("--workspace", help="Workspace slug.")]
MappingOption = Annotated[
    Path | None, typer.Option("--mapping", exists=True, help="JSON file {field: column}.")
]
PresetOption = Annotated[str | None, typer.Option("--preset", help="A built-in column mapping.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Validate every row and report errors; write nothing.")
]
BatchOption = Annotated[int, typer.Option("--batch-size", min=1, max=20000)]


def _mapping(kind: Kind, path: Path, mapping_file: Path | None, preset: str | None) -> Mapping:
    first = next(read_rows(path), None)
    try:
        explicit = load_mapping(mapping_file) if mapping_file else None
        chosen = choose_mapping(
            kind, list(first[1]) if first else [], preset=preset, mapping=explicit
        )
    except InvalidMapping as error:
        fail(str(error))
    return chosen


def _run(
    kind: Kind,
    path: Path,
    workspace: str,
    mapping_file: Path | None,
    preset: str | None,
    dry_run: bool,
    batch_size: int,
) -> None:
    mapping = _mapping(kind, path, mapping_file, preset)
    settings = load_settings()
    with cli_session(settings) as session:
        target = workspace_by_slug(session, workspace)
        workspace_id, time_zone, region = target.id, target.time_zone, target.phone_region
    engine = create_db_engine(settings.resolved_database_url)
    # The modules loaded so far stay for the whole run: keep the collector from walking
    # them on every collection that the import's millions of small objects trigger.
    gc.freeze()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(
                f"{kind} ({'dry run' if dry_run else 'import'})", total=count_rows(path)
            )
            report = run_import(
                create_session_factory(engine),
                workspace_id=workspace_id,
                kind=kind,
                path=path,
                mapping=mapping,
                time_zone=time_zone,
                phone_region=region,
                dry_run=dry_run,
                batch_size=batch_size,
                on_batch=lambda rows: progress.advance(task, rows),
                reader_process=True,
            )
    except ImportStopped as stopped:
        try:
            _audit(workspace, kind, path, stopped)
        except DBAPIError as error:  # said, not raised: the stop's own message comes next
            first_line = str(error.orig).splitlines()[0]
            error_console.print(f"The stop could not be audited: {first_line}", markup=False)
        fail(str(stopped))
    finally:
        gc.unfreeze()
        engine.dispose()
    if not dry_run:
        _audit(workspace, kind, path, report)
    _print(report, dry_run)


def _audit(workspace: str, kind: Kind, path: Path, outcome: ImportReport | ImportStopped) -> None:
    with cli_session() as session:
        record_import(
            session,
            workspace_id=workspace_by_slug(session, workspace).id,
            actor=cli_actor(),
            kind=kind,
            filename=path.name,
            outcome=outcome,
        )


def _print(report: ImportReport, dry_run: bool) -> None:
    for error in report.errors:
        error_console.print(str(error), highlight=False, markup=False, soft_wrap=True)
    if report.error_count > len(report.errors):
        error_console.print(f"… and {report.error_count - len(report.errors)} more errors")
    if dry_run:
        console.print(
            f"Dry run: {report.rows} rows read, {report.error_count} with errors; nothing written."
        )
    else:
        console.print(
            f"{report.rows} rows read: {report.accepted} added, {report.duplicates} already "
            f"known, {report.error_count} errors."
        )
    if report.error_count:
        raise typer.Exit(code=1)


def _command(kind: Kind) -> None:
    def command(
        file: FileArgument,
        workspace: WorkspaceOption,
        mapping: MappingOption = None,
        preset: PresetOption = None,
        dry_run: DryRunOption = False,
        batch_size: BatchOption = DEFAULT_BATCH_SIZE,
    ) -> None:
        _run(kind, file, workspace, mapping, preset, dry_run, batch_size)

    command.__doc__ = f"Import {kind} from a CSV or XLSX file (streamed in batches)."
    app.command(kind)(command)


for _kind in ("customers", "transactions", "events", "feedback"):
    _command(_kind)


@app.command("responses")
def import_responses(
    file: FileArgument,
    survey: Annotated[int, typer.Option("--survey", help="Id of the survey the rows answer.")],
    workspace: WorkspaceOption,
    mapping: Annotated[
        Path | None,
        typer.Option(
            "--mapping", exists=True, dir_okay=False, help="JSON file {column: question key}."
        ),
    ] = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import survey responses exported by another tool (or by nabd); a re-run adds nothing."""
    try:
        columns = survey_imports.load_mapping(mapping)
    except ValueError as error:
        fail(str(error))
    with cli_session() as session:
        target = workspace_by_slug(session, workspace)
        found = surveys.get_survey(session, workspace_id=target.id, survey_id=survey)
        with using_phone_region(target.phone_region):
            report = survey_imports.import_rows(
                session,
                survey=found,
                rows=read_rows(file),
                mapping=columns,
                default_language=target.default_language,
                dry_run=dry_run,
            )
    _print(report, dry_run)
