"""The embedded SQLite job queue keeps its writes cheap (WAL, synchronous=NORMAL)."""

from huey import Huey


def test_the_queue_does_not_wait_for_an_fsync_per_enqueue(queue: Huey) -> None:
    connection = queue.storage.conn  # type: ignore[attr-defined]
    assert connection.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert connection.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL
