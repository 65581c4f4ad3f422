"""`nabd responses …`: bringing survey responses in from other tools."""

from pathlib import Path

import typer

from nabd.cli.context import cli_session, console, error_console, fail, workspace_by_slug
from nabd.surveys import imports, service

app = typer.Typer(help="Survey responses.", no_args_is_help=True)


@app.command("import")
def import_responses(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A .csv or .xlsx file."),
    survey: int = typer.Option(..., help="Id of the survey the responses answer."),
    workspace: str = typer.Option(..., help="Workspace slug."),
    mapping: Path | None = typer.Option(
        None, exists=True, dir_okay=False, help="JSON object: column header → question key."
    ),
) -> None:
    """Import responses row by row; bad rows are listed by number, a re-run adds nothing."""
    try:
        columns = imports.load_mapping(mapping)
    except ValueError as error:
        fail(str(error))
    with cli_session() as session:
        target = workspace_by_slug(session, workspace)
        found = service.get_survey(session, workspace_id=target.id, survey_id=survey)
        report = imports.import_rows(
            session,
            survey=found,
            rows=imports.read_rows(file),
            mapping=columns,
            default_language=target.default_language,
        )
    for line in report.errors:
        error_console.print(line, highlight=False)
    console.print(
        f"Imported {report.imported} responses, {report.duplicates} already present, "
        f"{len(report.errors)} rows rejected."
    )
