"""`nabd import …`: CSV/XLSX files of customers, transactions, events or feedback."""

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from nabd.cli.context import (
    cli_actor,
    cli_session,
    console,
    error_console,
    fail,
    load_settings,
    workspace_by_slug,
)
from nabd.core.audit import record_audit
from nabd.core.db import create_db_engine, create_session_factory
from nabd.imports.mapping import PRESETS, Kind, Mapping, default_mapping, load_mapping
from nabd.imports.readers import read_rows
from nabd.imports.runner import DEFAULT_BATCH_SIZE, ImportReport, run_import

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
BatchOption = Annotated[int, typer.Option("--batch-size", min=1, max=5000)]


def _mapping(kind: Kind, path: Path, mapping_file: Path | None, preset: str | None) -> Mapping:
    if mapping_file and preset:
        fail("use either --mapping or --preset, not both")
    if preset:
        if preset not in PRESETS:
            fail(f"unknown preset {preset!r}; choose one of {', '.join(sorted(PRESETS))}")
        preset_kind, mapping = PRESETS[preset]
        if preset_kind != kind:
            fail(f"preset {preset!r} imports {preset_kind}, not {kind}")
        return mapping
    if mapping_file:
        try:
            return load_mapping(mapping_file)
        except ValueError as error:
            fail(f"{mapping_file}: {error}")
    first = next(read_rows(path), None)
    return default_mapping(kind, list(first[1]) if first else [])


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
    if not mapping:
        fail("no column matches a field; pass --mapping or --preset")
    settings = load_settings()
    with cli_session(settings) as session:
        target = workspace_by_slug(session, workspace)
        workspace_id, time_zone = target.id, target.time_zone
    engine = create_db_engine(settings.resolved_database_url)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn())
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as progress:
            task = progress.add_task(f"{kind} ({'dry run' if dry_run else 'import'})", total=None)
            report = run_import(
                create_session_factory(engine),
                workspace_id=workspace_id,
                kind=kind,
                path=path,
                mapping=mapping,
                time_zone=time_zone,
                dry_run=dry_run,
                batch_size=batch_size,
                on_batch=lambda rows: progress.advance(task, rows),
            )
    finally:
        engine.dispose()
    if not dry_run:
        _audit(workspace, kind, path, report)
    _print(report, dry_run)


def _audit(workspace: str, kind: str, path: Path, report: ImportReport) -> None:
    with cli_session() as session:
        record_audit(
            session,
            workspace_id=workspace_by_slug(session, workspace).id,
            actor=cli_actor(),
            action=f"import.{kind}",
            object_type="import",
            object_id=path.name[:64],
            details={
                "rows": report.rows,
                "accepted": report.accepted,
                "duplicates": report.duplicates,
                "errors": report.error_count,
            },
        )


def _print(report: ImportReport, dry_run: bool) -> None:
    for error in report.errors:
        error_console.print(str(error), highlight=False, markup=False)
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
