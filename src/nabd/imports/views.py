"""The import page: upload a file, read the dry-run report, then import.

Nothing is written before the person has seen the row-level report of a dry run over the
whole file; the import itself then reads the same stored copy with the same mapping.
"""

from pathlib import Path
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from nabd.api.access import Principal, check_csrf, require
from nabd.core.db import transaction
from nabd.core.errors import NabdError
from nabd.core.i18n import N_
from nabd.imports.mapping import PRESETS, Kind, Mapping, choose_mapping, parse_mapping
from nabd.imports.readers import read_rows
from nabd.imports.runner import (
    ImportReport,
    ImportStopped,
    record_import,
    run_import,
)
from nabd.imports.uploads import (
    MAX_UPLOAD_LABEL,
    discard_upload,
    save_upload,
    upload_path,
)
from nabd.web.locale import request_locale
from nabd.web.pages import render_page
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/imports", dependencies=[Depends(check_csrf)], include_in_schema=False)

ImportData = Annotated[Principal, Depends(require(Permission.DATA_IMPORT))]

KINDS: tuple[Kind, ...] = get_args(Kind)
KIND_LABELS = {
    "customers": N_("Customers"),
    "transactions": N_("Transactions"),
    "events": N_("Events"),
    "feedback": N_("Feedback"),
}
PRESET_LABELS = {
    "hubspot-contacts": N_("HubSpot contacts"),
    "salesforce-contacts": N_("Salesforce contacts"),
    "zoho-contacts": N_("Zoho CRM contacts"),
    "zendesk-tickets": N_("Zendesk tickets"),
    "freshdesk-tickets": N_("Freshdesk tickets"),
}


def _form_context(**values: Any) -> dict[str, Any]:
    return {
        "kinds": [(kind, KIND_LABELS[kind]) for kind in KINDS],
        "presets": [(key, PRESET_LABELS[key], kind) for key, (kind, _) in PRESETS.items()],
        "kind_labels": KIND_LABELS,
        "max_upload": MAX_UPLOAD_LABEL,
        "form": {"kind": "customers", "preset": "", "mapping": "", **values},
    }


def _kind(value: str) -> Kind:
    return value if value in KINDS else "customers"


def _mapping(kind: Kind, path: Path, preset: str, mapping: str) -> Mapping:
    first = next(read_rows(path), None)
    return choose_mapping(
        kind,
        list(first[1]) if first else [],
        preset=preset or None,
        mapping=parse_mapping(mapping) if mapping.strip() else None,
    )


def _run(
    request: Request,
    principal: Principal,
    *,
    kind: Kind,
    path: Path,
    mapping: Mapping,
    dry_run: bool,
) -> ImportReport:
    return run_import(
        request.app.state.session_factory,
        workspace_id=principal.workspace_id,
        kind=kind,
        path=path,
        mapping=mapping,
        time_zone=principal.workspace.time_zone,
        phone_region=principal.workspace.phone_region,
        dry_run=dry_run,
        locale=request_locale(request),
    )


@router.get("")
def upload_form(request: Request, principal: ImportData) -> Response:
    return render_page(request, "imports/upload.html", _form_context())


@router.post("/check")
def check_upload(
    request: Request,
    principal: ImportData,
    file: Annotated[UploadFile, File()],
    kind: Annotated[str, Form()] = "customers",
    preset: Annotated[str, Form()] = "",
    mapping: Annotated[str, Form()] = "",
) -> Response:
    """Store the file and dry-run all of it: the report comes before anything is written."""
    chosen = _kind(kind)
    data_dir = request.app.state.settings.data_dir
    try:
        token = save_upload(
            data_dir,
            workspace_id=principal.workspace_id,
            filename=file.filename or "",
            stream=file.file,
        )
        path = upload_path(data_dir, workspace_id=principal.workspace_id, token=token)
        try:
            columns = _mapping(chosen, path, preset, mapping)
        except NabdError:
            discard_upload(path)
            raise
    except NabdError as error:
        context = _form_context(kind=chosen, preset=preset, mapping=mapping)
        context["error"] = error
        return render_page(request, "imports/upload.html", context, status_code=422)
    report = _run(request, principal, kind=chosen, path=path, mapping=columns, dry_run=True)
    return render_page(
        request,
        "imports/report.html",
        {
            "report": report,
            "dry_run": True,
            "kind": chosen,
            "kind_label": KIND_LABELS[chosen],
            "filename": file.filename,
            "columns": columns,
            "form": {"token": token, "kind": chosen, "preset": preset, "mapping": mapping},
        },
    )


@router.post("/run")
def run_upload(
    request: Request,
    principal: ImportData,
    token: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    filename: Annotated[str, Form()] = "",
    preset: Annotated[str, Form()] = "",
    mapping: Annotated[str, Form()] = "",
) -> Response:
    """Import the file the dry run checked; each batch commits on its own, like the CLI."""
    chosen = _kind(kind)
    path = upload_path(
        request.app.state.settings.data_dir, workspace_id=principal.workspace_id, token=token
    )
    columns = _mapping(chosen, path, preset, mapping)
    try:
        report = _run(request, principal, kind=chosen, path=path, mapping=columns, dry_run=False)
    except ImportStopped as stopped:
        _audit(request, principal, chosen, filename or path.name, stopped)
        raise
    finally:
        discard_upload(path)
    _audit(request, principal, chosen, filename or path.name, report)
    return render_page(
        request,
        "imports/report.html",
        {
            "report": report,
            "dry_run": False,
            "kind": chosen,
            "kind_label": KIND_LABELS[chosen],
            "filename": filename,
            "columns": columns,
        },
    )


def _audit(
    request: Request,
    principal: Principal,
    kind: Kind,
    filename: str,
    outcome: ImportReport | ImportStopped,
) -> None:
    """In a transaction of its own: the import's batches committed on other connections."""
    with transaction(request.app.state.session_factory) as session:
        record_import(
            session,
            workspace_id=principal.workspace_id,
            actor=principal.actor,
            kind=kind,
            filename=filename,
            outcome=outcome,
        )
