"""Files uploaded on the import page, kept on disk between the dry run and the import.

The browser sends the file once; the dry run and the import then read the same copy, named
by a random token and the workspace, so one workspace can never import another's upload.
Copies are deleted after the import and swept after a day if the import never happened.
"""

import re
import secrets
import time
from pathlib import Path
from typing import BinaryIO

from nabd.core.errors import NotFound, ValidationFailed
from nabd.core.i18n import N_

# The page runs the import inside the request; bigger files belong to `nabd import`.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_LABEL = "20 MB"
SUFFIXES = (".csv", ".xlsx")
KEEP_SECONDS = 24 * 3600
_CHUNK = 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadRefused(ValidationFailed):
    pass


class UploadNotFound(NotFound):
    pass


def _folder(data_dir: Path) -> Path:
    folder = data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sweep(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for stale in folder.iterdir():
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)


def save_upload(data_dir: Path, *, workspace_id: int, filename: str, stream: BinaryIO) -> str:
    """Copy the upload to disk in chunks, refusing it past the size limit; returns its token."""
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadRefused(N_("Upload a .csv or .xlsx file."))
    folder = _folder(data_dir)
    _sweep(folder)
    token = secrets.token_urlsafe(24)
    path = folder / f"{workspace_id}-{token}{suffix}"
    written = 0
    with path.open("wb") as target:
        while chunk := stream.read(_CHUNK):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                target.close()
                path.unlink()
                raise UploadRefused(
                    N_("The file is larger than %(limit)s; use `nabd import` for big files."),
                    params={"limit": MAX_UPLOAD_LABEL},
                )
            target.write(chunk)
    if written == 0:
        path.unlink()
        raise UploadRefused(N_("The file is empty."))
    return token


def upload_path(data_dir: Path, *, workspace_id: int, token: str) -> Path:
    """The stored copy of an upload of this workspace."""
    if _TOKEN.match(token):
        for suffix in SUFFIXES:
            path = _folder(data_dir) / f"{workspace_id}-{token}{suffix}"
            if path.exists():
                return path
    raise UploadNotFound(N_("The uploaded file is gone; upload it again."))


def discard_upload(path: Path) -> None:
    path.unlink(missing_ok=True)
