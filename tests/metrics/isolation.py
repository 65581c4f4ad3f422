"""Metric routes take a metric name, not an object id; B's own data is isolated by workspace.

`/api/v1/metrics/{metric}` answers 404 for any name that is not a metric, so the shared
cross-workspace test gets a 404 whatever it passes. That A never sees B's answers through a
filter such as `survey_id` is checked in tests/metrics/test_api.py.
"""

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace


def objects_in(session: Session, workspace: Workspace) -> dict[str, int]:
    return {"metric": workspace.id}
