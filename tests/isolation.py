"""Objects of another workspace, for the cross-workspace test that walks every route.

Each domain with routes that take an object id adds `tests/<domain>/isolation.py` with a
function `objects_in(session, workspace) -> dict[str, int]` mapping path-parameter names
(e.g. "survey_id") to the id of a real object of `workspace`. They are discovered here, so
domains never edit the shared test.
"""

import importlib
import pkgutil
from pathlib import Path

from sqlalchemy.orm import Session

from nabd.workspaces.models import Workspace
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_token


def _workspace_objects(session: Session, workspace: Workspace) -> dict[str, int]:
    viewer = make_member(session, workspace, Role.VIEWER)
    token_id, _ = make_token(session, workspace, Role.VIEWER)
    return {"membership_id": viewer.membership_id, "token_id": token_id}


def objects_in_other_workspace(session: Session, workspace: Workspace) -> dict[str, int]:
    ids = _workspace_objects(session, workspace)
    tests_dir = Path(__file__).parent
    for package in pkgutil.iter_modules([str(tests_dir)]):
        if package.ispkg and (tests_dir / package.name / "isolation.py").exists():
            module = importlib.import_module(f"tests.{package.name}.isolation")
            ids.update(module.objects_in(session, workspace))
    return ids
