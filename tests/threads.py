"""Work on a second thread beside the test's own connection, for tests of concurrent writers."""

import threading
from collections.abc import Callable


def in_thread(work: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    """`work` started on a thread; what it raised, if anything, lands in the list."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported by the caller
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures
