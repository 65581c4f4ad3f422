"""Rows a unit of a group commit leaves to its group: one statement for all its units.

A single survey response writes its answers, its feedback items and its rollup counts in
statements of one or two rows each: in a group commit of eight responses that was 24
statements, each paying its set-up (the session's connection, binding, the driver's cursor)
and SQLite's per-statement work, for rows that nothing reads back before the COMMIT. A unit
hands such rows to `write_later`; `nabd.core.group_commit` writes each kind once for the
whole group (`write_pending`) just before its COMMIT, or, when it runs its units one
SAVEPOINT each, at the end of each unit's SAVEPOINT, so a failing write stays with its unit.
Outside a group commit `write_later` writes at once, as a plain call would.

A writer is a module-level function (the key that gathers its rows), given all the rows
deferred to it; it must accept rows from several units. Code that reads what may still be
pending calls `write_pending` first.
"""

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.orm import Session

Writer = Callable[[Session, list[Any]], None]
_PENDING = "nabd.deferred_writes"


def write_later(session: Session, writer: Writer, rows: Iterable[Any]) -> None:
    """`writer(session, rows)`, now or, inside a group commit, with the group's rows."""
    pending: dict[Writer, list[Any]] | None = session.info.get(_PENDING)
    if pending is None:
        writer(session, list(rows))
        return
    pending.setdefault(writer, []).extend(rows)


def defer_writes(session: Session) -> None:
    """From now on, `write_later` on this session waits for `write_pending`."""
    session.info[_PENDING] = {}


def write_pending(session: Session) -> None:
    """Every writer once with the rows deferred to it so far, in the order first deferred."""
    pending: dict[Writer, list[Any]] | None = session.info.get(_PENDING)
    if not pending:
        return
    batches = list(pending.items())
    pending.clear()
    for writer, rows in batches:
        writer(session, rows)


def discard_pending(session: Session) -> None:
    """Forget the rows deferred so far (their unit's SAVEPOINT was rolled back)."""
    pending: dict[Writer, list[Any]] | None = session.info.get(_PENDING)
    if pending:
        pending.clear()
