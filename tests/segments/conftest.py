from tests.jobs.fixtures import jobs_settings, queue, start_consumer

__all__ = ["jobs_settings", "queue", "start_consumer"]
