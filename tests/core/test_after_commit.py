"""Calls deferred to the commit run once it has happened, all of them, and never on rollback."""

import pytest
from sqlalchemy.orm import Session

from nabd.core.after_commit import call_after_commit
from tests.factories import make_workspace


def test_a_call_runs_at_the_real_commit_not_at_a_savepoint(session: Session) -> None:
    calls: list[str] = []
    make_workspace(session)
    call_after_commit(session, calls.append, "outer")
    with session.begin_nested():
        call_after_commit(session, calls.append, "inner")
    assert calls == []
    session.commit()
    assert calls == ["outer", "inner"]


def test_a_failing_call_does_not_skip_the_others(session: Session) -> None:
    calls: list[str] = []

    def fail() -> None:
        raise RuntimeError("queue unreachable")

    call_after_commit(session, fail)
    call_after_commit(session, calls.append, "cache cleared")
    with pytest.raises(RuntimeError, match="queue unreachable"):
        session.commit()
    assert calls == ["cache cleared"]


def test_a_rolled_back_call_never_runs(session: Session) -> None:
    calls: list[str] = []
    call_after_commit(session, calls.append, "rolled back")
    session.rollback()
    session.commit()
    assert calls == []
