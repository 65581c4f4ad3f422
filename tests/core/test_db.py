"""Engines: the process-wide sqlite3 adapter of None, registered once on import."""

import sqlite3
from contextlib import closing

import pytest

from nabd.core import db


def test_none_is_bound_as_null_through_the_adapter_registered_on_import() -> None:
    """The adapter spares sqlite3's failing search for one per NULL bound; NULL it stays."""
    assert sqlite3.adapters[(type(None), sqlite3.PrepareProtocol)] is db._null
    with closing(sqlite3.connect(":memory:")) as connection:
        row = connection.execute("SELECT ? IS NULL, typeof(?)", (None, None)).fetchone()
    assert row == (1, "null")


def test_making_an_engine_registers_nothing_more(monkeypatch: pytest.MonkeyPatch) -> None:
    registered: list[object] = []
    monkeypatch.setattr(sqlite3, "register_adapter", lambda *args: registered.append(args))
    db.create_db_engine("sqlite://").dispose()
    assert registered == []
