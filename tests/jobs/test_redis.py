"""Production storage: Redis at 127.0.0.1:6379, a queue name of this run's own."""

import uuid
from collections.abc import Iterator

import pytest
import redis
from huey.storage import PriorityRedisStorage

from nabd.config import Settings
from nabd.jobs.consumer import start_embedded_consumer, stop_embedded_consumer
from nabd.jobs.queue import configure_jobs
from tests.jobs.tasks import add

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis_settings(tmp_path) -> Iterator[Settings]:
    name = f"nabd-test-{uuid.uuid4().hex}"
    yield Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path,
        jobs_redis_url=REDIS_URL,
        jobs_queue_name=name,
    )
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{name}*"))
    if keys:
        client.delete(*keys)


def test_jobs_go_through_redis(redis_settings: Settings) -> None:
    queue = configure_jobs(redis_settings)
    assert isinstance(queue.storage, PriorityRedisStorage)
    assert not redis_settings.should_run_embedded_consumer

    result = add(20, 22)
    assert queue.pending_count() == 1
    consumer = start_embedded_consumer(redis_settings, workers=1)
    try:
        assert result.get(blocking=True, timeout=15) == 42
    finally:
        stop_embedded_consumer(consumer)
    # Periodic jobs may be queued meanwhile; ours must be gone.
    assert add.name not in {task.name for task in queue.pending()}
