"""Preparing the next batch of an import while the current one is stored.

Reading and validating a batch is Python work that holds the GIL; storing it is mostly the
database driver's, which releases the GIL while SQLite or PostgreSQL works. Producing batches
one ahead on a second thread lets the two overlap on two cores (bench/ingest_events.py), with
at most two prepared batches in memory besides the one being stored.
"""

import contextvars
import threading
from collections.abc import Generator
from contextlib import closing
from queue import Full, Queue
from typing import Any, TypeVar

T = TypeVar("T")
_POLL_SECONDS = 0.1
_DONE = object()


def one_ahead(batches: Generator[T, None, None]) -> Generator[T, None, None]:
    """`batches`, produced on a worker thread (in the caller's context: the phone region)
    one batch ahead of the consumer; a producer's error is raised to the consumer, and a
    consumer that stops early (an error while storing) stops the producer too."""
    handed: Queue[tuple[Any, BaseException | None]] = Queue(maxsize=1)
    stop = threading.Event()

    def hand(item: Any, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                handed.put((item, error), timeout=_POLL_SECONDS)
            except Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            with closing(batches):
                for batch in batches:
                    if not hand(batch):
                        return
        except BaseException as error:  # handed to the consumer, which raises it
            hand(None, error)
            return
        hand(_DONE)

    worker = threading.Thread(
        target=contextvars.copy_context().run, args=(produce,), name="nabd-import-reader"
    )
    worker.start()
    try:
        while True:
            item, error = handed.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()
