"""Batches prepared one ahead on a second thread: order, errors and early stops."""

import threading
from collections.abc import Generator
from contextvars import ContextVar

import pytest

from nabd.imports.pipeline import one_ahead

region: ContextVar[str] = ContextVar("region", default="SA")


def test_batches_arrive_in_order_and_see_the_callers_context() -> None:
    region.set("AE")

    def batches() -> Generator[tuple[int, str], None, None]:
        for number in range(5):
            yield number, region.get()

    assert list(one_ahead(batches())) == [(n, "AE") for n in range(5)]


def test_an_error_while_reading_reaches_the_importer() -> None:
    def batches() -> Generator[int, None, None]:
        yield 1
        raise ValueError("bad file")

    received = []
    with pytest.raises(ValueError, match="bad file"):
        for batch in one_ahead(batches()):
            received.append(batch)
    assert received == [1]


def test_an_importer_that_stops_stops_the_reader() -> None:
    closed = threading.Event()

    def batches() -> Generator[int, None, None]:
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for batch in one_ahead(batches()):
            if batch == 3:
                raise RuntimeError("database gone")
    assert closed.is_set()
    assert not any(t.name == "nabd-import-reader" for t in threading.enumerate())
