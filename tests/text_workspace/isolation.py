"""A workspace topic and a trained model version of another workspace, for the
cross-workspace route test."""

from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.text.workspace_models import TextModelVersion
from nabd.text.workspace_topics import create_topic
from nabd.text.workspace_topics_schemas import TopicCreate
from nabd.workspaces.models import Workspace


def objects_in(session: Session, workspace: Workspace) -> dict[str, int | str]:
    topic = create_topic(
        session,
        workspace_id=workspace.id,
        data=TopicCreate(
            key="other_workspace_topic", label_ar="موضوع", label_en="Topic", phrases=["x"]
        ),
        actor=SYSTEM_ACTOR,
    )
    version = TextModelVersion(
        workspace_id=workspace.id,
        version="v1",
        path="/nonexistent/v1",
        macro_f1=0.9,
        shipped_macro_f1=0.5,
        train_count=90,
        test_count=30,
        is_active=False,
        metrics={},
    )
    session.add(version)
    session.commit()
    return {"topic_key": topic.key, "model_version_id": version.id}
