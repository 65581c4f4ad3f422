import uuid
from collections.abc import Callable, Iterator

import pytest
from huey import Huey

from nabd.config import Settings
from nabd.jobs.consumer import EmbeddedConsumer, start_embedded_consumer, stop_embedded_consumer
from nabd.jobs.queue import configure_jobs


@pytest.fixture
def jobs_settings(settings: Settings) -> Settings:
    """The test database, an SQLite queue in the test's own data dir, a queue of its own."""
    return settings.model_copy(update={"jobs_queue_name": f"nabd-test-{uuid.uuid4().hex[:8]}"})


@pytest.fixture
def queue(jobs_settings: Settings) -> Huey:
    return configure_jobs(jobs_settings)


@pytest.fixture
def start_consumer(jobs_settings: Settings) -> Iterator[Callable[[], EmbeddedConsumer]]:
    started: list[EmbeddedConsumer] = []

    def start() -> EmbeddedConsumer:
        started.append(start_embedded_consumer(jobs_settings, workers=2))
        return started[-1]

    yield start
    for consumer in started:
        stop_embedded_consumer(consumer)
