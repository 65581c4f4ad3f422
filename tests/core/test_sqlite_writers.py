"""Writers of one process queue on a lock, not in SQLite's busy handler (or a failure)."""

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from nabd.core.db import create_db_engine, create_session_factory, transaction

THREADS = 6
WRITES_PER_THREAD = 15


@pytest.fixture
def file_engine(tmp_path: Path) -> Engine:
    """A file database whose busy handler gives up at once, so only the lock can make
    concurrent writers succeed."""
    engine = create_db_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE marks (thread INTEGER, n INTEGER)"))
    return engine


def test_concurrent_writers_of_one_process_all_commit(file_engine: Engine) -> None:
    factory = create_session_factory(file_engine)
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            for n in range(WRITES_PER_THREAD):
                with transaction(factory) as session:
                    session.execute(
                        text("INSERT INTO marks VALUES (:t, :n)"), {"t": thread, "n": n}
                    )
                    time.sleep(0.001)  # hold the write lock so the writers overlap
                    session.execute(text("UPDATE marks SET n = n WHERE thread = :t"), {"t": thread})
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with file_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM marks")) == THREADS * WRITES_PER_THREAD


def test_a_rolled_back_writer_releases_the_lock(file_engine: Engine) -> None:
    factory = create_session_factory(file_engine)
    with pytest.raises(RuntimeError), transaction(factory) as session:
        session.execute(text("INSERT INTO marks VALUES (1, 1)"))
        raise RuntimeError("the request failed")

    done = threading.Event()

    def write() -> None:
        with transaction(factory) as session:
            session.execute(text("INSERT INTO marks VALUES (2, 2)"))
        done.set()

    threading.Thread(target=write).start()
    assert done.wait(timeout=5)
    with file_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM marks")) == 1
