"""Where the snapshot's files live and how they are named, locked and replaced.

    <root>/<workspace_id>/<table>/month=YYYY-MM/part-<first id>-<last id>.parquet   facts
    <root>/<workspace_id>/<table>/data.parquet                                      dimensions

A part's name carries the id range it holds, so a refresh that died before recording its
watermark leaves parts above the watermark, recognisable and removed by the next refresh.
Files are written under a dot-name and renamed into place: readers never see half a file;
a rebuild is assembled beside the workspace's folder and swapped in when complete.
"""

import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PART_PATTERN = re.compile(r"^part-(\d{12})-(\d{12})\.parquet$")
DIMENSION_FILE = "data.parquet"


class SnapshotBusy(Exception):
    """Another process is refreshing or rewriting this workspace's snapshot."""


@dataclass(frozen=True, order=True)
class PartFile:
    first_id: int
    last_id: int
    path: Path

    def contains(self, other: "PartFile") -> bool:
        return self.first_id <= other.first_id and other.last_id <= self.last_id


def workspace_dir(root: Path, workspace_id: int) -> Path:
    return root / str(workspace_id)


def rebuild_dir(root: Path, workspace_id: int) -> Path:
    """Where a rebuild is assembled, to replace the workspace's folder once complete."""
    return root / f".{workspace_id}.rebuild"


def swap_in_rebuild(root: Path, workspace_id: int) -> None:
    current, rebuilt = workspace_dir(root, workspace_id), rebuild_dir(root, workspace_id)
    retired = root / f".{workspace_id}.retired"
    if current.exists():
        os.replace(current, retired)
    os.replace(rebuilt, current)
    shutil.rmtree(retired, ignore_errors=True)


def month_dir(table_dir: Path, month: str) -> Path:
    return table_dir / f"month={month}"


def part_name(first_id: int, last_id: int) -> str:
    return f"part-{first_id:012d}-{last_id:012d}.parquet"


def month_dirs(table_dir: Path) -> list[Path]:
    if not table_dir.is_dir():
        return []
    return sorted(path for path in table_dir.iterdir() if path.name.startswith("month="))


def part_files(folder: Path) -> list[PartFile]:
    parts = []
    for path in folder.iterdir() if folder.is_dir() else ():
        match = PART_PATTERN.match(path.name)
        if match:
            parts.append(PartFile(int(match[1]), int(match[2]), path))
    return sorted(parts)


def temporary_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


@contextmanager
def workspace_lock(root: Path, workspace_id: int, *, wait: bool = True) -> Iterator[None]:
    """One writer per workspace snapshot at a time, across processes on this machine."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{workspace_id}.lock", "w") as handle:
        flags = fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB
        try:
            fcntl.flock(handle, flags)
        except BlockingIOError as error:
            raise SnapshotBusy(f"snapshot of workspace {workspace_id} is busy") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
