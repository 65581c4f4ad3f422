"""Where tasks and schedules live: each domain's `tasks.py`, listed here once.

A consumer only runs tasks whose module it has imported, and a periodic task only fires in a
consumer that knows it; importing every module below in every process keeps web servers,
workers and the CLI agreeing on the same set. A domain with tasks adds its module here and
declares its schedules next to its tasks with `@huey.periodic_task(crontab(...))`.
"""

import importlib

from nabd.jobs.queue import huey

TASK_MODULES = (
    "nabd.analytics.tasks",
    "nabd.text.tasks",
    "nabd.surveys.tasks",
    "nabd.goals.tasks",
    "nabd.reports.tasks",
    "nabd.segments.tasks",
)


def load_tasks() -> None:
    """Import every domain's tasks so they register on the queue."""
    for module in TASK_MODULES:
        importlib.import_module(module)


def periodic_task_names() -> list[str]:
    """The registered periodic tasks, as `module.name`."""
    load_tasks()
    registry = huey._registry
    return sorted(registry.task_to_string(task) for task in registry._periodic_tasks)
