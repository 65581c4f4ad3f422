"""Reading and validating an events CSV in a second process while this one stores.

With the reader on a thread (`pipeline.one_ahead`), the storing thread waited for the GIL that
the reader held: on two cores the two halves hardly overlapped (bench/README.md, 2026-12-06).
A process has its own GIL. The reader is this module run as `python -m`, not a
`multiprocessing` child: a spawned child imports the parent's main module again (for `nabd`,
the whole CLI: a second of CPU), and a forked one would inherit the open database connections
and other threads' locks. It sends each checked batch down its stdout as one pickle holding
columns (a list per field, not a tuple per row: half the pickling cost on both sides); the
pipe's buffer (1 MiB) keeps it at most about two batches ahead, so memory stays bounded.
Starting it costs its imports: the modules it runs load neither SQLAlchemy, FastAPI nor
openpyxl (0.6 s of its start-up on an idle machine when they did; under load 0.7 s instead
of 2-3 s). That pays only on large files (`worth_a_process`). On PostgreSQL too: the
importer's Python and the reader's shared one GIL while the server's backends had a core's
room to spare (bench/README.md, 2026-12-07 19:19).
"""

import fcntl
import gc
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Generator, Sequence
from contextlib import suppress
from itertools import repeat
from pathlib import Path
from typing import IO, Any, NamedTuple
from zoneinfo import ZoneInfo

from nabd.core.plain_rows import sqlite_moments
from nabd.customers.references import using_phone_region
from nabd.events.batch import Rejection
from nabd.events.rows import EventRow
from nabd.imports.event_columns import CheckedEvents, checked_event_batches
from nabd.imports.mapping import Mapping

# Files at least this large are read in a second process. Below it the process's start-up
# (then ~0.6 s of imports on the reference machine) outweighed what it saves: even at 200,000
# rows (12.5 MB of bench/ingest_events.py's rows), a loss at 100,000 (bench/README.md,
# 2026-12-06 22:00). Not measured again since the start-up got lighter.
PROCESS_MIN_BYTES = 16 * 1024 * 1024
# The pipe's buffer (bytes): a batch of 5,000 rows pickles to ~0.5 MB, so the reader can
# write one whole batch and start the next without waiting for the importer to read it
# (64 KiB, Linux's default, cost the importer a second of waiting per million rows).
_PIPE_BYTES = 1 << 20
# The reader's collector threshold, as `runner._fewer_collections` sets the importer's.
_GC_THRESHOLD = 100_000

# One batch as sent: row numbers, the valid rows' fields as columns, the rejections.
_Sent = tuple[list[int], list[Sequence[Any]], list[Rejection]]


class ReaderJob(NamedTuple):
    """Everything the reader needs: it shares no context (phone region …) with the importer.
    `for_sqlite`: whether the rows are stored on SQLite, which takes their moments as text
    computed here (`_columns`); PostgreSQL binds the timestamps themselves."""

    path: Path
    mapping: Mapping
    zone: ZoneInfo
    size: int
    locale: str
    phone_region: str
    for_sqlite: bool


class ReaderFailed(RuntimeError):
    """The reader process ended without reporting (killed, or out of memory)."""


def worth_a_process(path: Path) -> bool:
    """Whether reading `path` in a second process saves more than the process costs."""
    return path.stat().st_size >= PROCESS_MIN_BYTES


_ITEM_INDEX = EventRow._fields.index("item_index")
_TIMESTAMP = EventRow._fields.index("timestamp")
_STORED_MOMENT = EventRow._fields.index("stored_moment")


def _columns(items: list[tuple[int, EventRow]], for_sqlite: bool) -> list[Sequence[Any]]:
    """The rows' fields as columns, with each `stored_moment` computed here for SQLite: the
    text of a timestamp costs the importer half a microsecond a row, and this process has
    time to spare."""
    columns: list[Sequence[Any]] = list(zip(*(row for _, row in items), strict=True))
    if columns and for_sqlite:
        columns[_STORED_MOMENT] = sqlite_moments(columns[_TIMESTAMP])
    return columns


def _rows(columns: list[Sequence[Any]]) -> list[tuple[int, EventRow]]:
    """(batch index, row) pairs, zipped in C from the column of indexes (a Python step per
    row here cost the importer a quarter of a microsecond). Each row is made by
    `tuple.__new__`, as `EventRow._make` does but without its Python call per row (0.1–0.2
    µs a row): the columns come from `_columns`, so each zipped tuple has every field."""
    if not columns:
        return []
    rows = map(tuple.__new__, repeat(EventRow), zip(*columns, strict=True))
    return list(zip(columns[_ITEM_INDEX], rows, strict=True))


def _picklable(error: Exception) -> Exception:
    try:
        pickle.dumps(error)
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _widen(pipe: IO[bytes]) -> None:
    """Give `pipe` a buffer of _PIPE_BYTES where the system allows it (Linux)."""
    if hasattr(fcntl, "F_SETPIPE_SZ"):
        with suppress(OSError):  # above /proc/sys/fs/pipe-max-size: the default stays
            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


def _send(out: IO[bytes], message: _Sent | Exception | None) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def _serve(job: ReaderJob, out: IO[bytes]) -> None:
    """Every batch of the job's file sent to `out`, then None; an error is sent instead."""
    try:
        with using_phone_region(job.phone_region):
            for numbers, items, rejected in checked_event_batches(
                job.path, mapping=job.mapping, zone=job.zone, size=job.size, locale=job.locale
            ):
                _send(out, (numbers, _columns(items, job.for_sqlite), rejected))
    except BrokenPipeError:  # the importer stopped reading: nothing to tell
        return
    except Exception as error:  # raised again by the importer
        _send(out, _picklable(error))
        return
    _send(out, None)


def main() -> None:
    """The reader process: a pickled `ReaderJob` on stdin, pickled batches on stdout."""
    # Ctrl-C reaches the whole process group: the importer stops this process itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Batches go to the original stdout; anything else printed goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    job: ReaderJob = pickle.load(sys.stdin.buffer)  # noqa: S301 - from the importer
    # As `nabd import` does: the modules loaded so far stay, so no collection walks them, and
    # the youngest generation is collected as rarely as in the importer.
    gc.freeze()
    gc.set_threshold(_GC_THRESHOLD, *gc.get_threshold()[1:])
    with out:
        _serve(job, out)


def checked_in_process(job: ReaderJob) -> Generator[CheckedEvents, None, None]:
    """`checked_event_batches` of the job, computed by a reader process one batch ahead of
    the caller. When the caller stops early (an error while storing, Ctrl-C) the reader is
    terminated and waited for: it never outlives the import."""
    reader = subprocess.Popen(  # noqa: S603 - this interpreter, this module
        [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert reader.stdin is not None and reader.stdout is not None
        _widen(reader.stdout)
        with reader.stdin:
            pickle.dump(job, reader.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            try:
                message: _Sent | Exception | None = pickle.load(reader.stdout)  # noqa: S301 - our reader
            except EOFError:
                raise ReaderFailed(f"import reader ended with code {reader.wait()}") from None
            if message is None:
                reader.wait()
                return
            if isinstance(message, Exception):
                raise message
            numbers, columns, rejected = message
            yield numbers, _rows(columns), rejected
    finally:
        if reader.poll() is None:
            reader.terminate()
        reader.wait()
        if reader.stdout is not None:
            reader.stdout.close()


if __name__ == "__main__":
    main()
