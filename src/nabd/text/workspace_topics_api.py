"""`/api/v1/text/topics`: read and edit the workspace's taxonomy."""

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from nabd.api.access import Principal, require
from nabd.api.database import DbSession
from nabd.text import workspace_topics
from nabd.text.workspace_topics_schemas import TopicCreate, TopicList, TopicOut, TopicUpdate
from nabd.workspaces.roles import Permission

router = APIRouter(prefix="/api/v1/text/topics", tags=["text"])

ReadTopics = Annotated[Principal, Depends(require(Permission.TEXT_ANALYZE))]
ManageTopics = Annotated[Principal, Depends(require(Permission.TEXT_TOPICS_MANAGE))]


@router.get("")
def list_topics(session: DbSession, principal: ReadTopics) -> TopicList:
    """Shipped topics with the workspace's changes, then its own topics, and the version."""
    workspace_id = principal.workspace_id
    return TopicList(
        taxonomy_version=workspace_topics.taxonomy_version(session, workspace_id=workspace_id),
        items=workspace_topics.list_topics(session, workspace_id=workspace_id),
    )


@router.post("", status_code=201)
def create_topic(session: DbSession, principal: ManageTopics, data: TopicCreate) -> TopicOut:
    """Add a topic with names in Arabic and English and example phrases in either."""
    return workspace_topics.create_topic(
        session, workspace_id=principal.workspace_id, data=data, actor=principal.actor
    )


@router.get("/{topic_key}")
def get_topic(session: DbSession, principal: ReadTopics, topic_key: str) -> TopicOut:
    return workspace_topics.get_topic(session, workspace_id=principal.workspace_id, key=topic_key)


@router.patch("/{topic_key}")
def update_topic(
    session: DbSession, principal: ManageTopics, topic_key: str, changes: TopicUpdate
) -> TopicOut:
    """Rename or re-phrase a workspace topic; add phrases to or switch off a shipped one."""
    return workspace_topics.update_topic(
        session,
        workspace_id=principal.workspace_id,
        key=topic_key,
        changes=changes,
        actor=principal.actor,
    )


@router.delete("/{topic_key}", status_code=204)
def delete_topic(session: DbSession, principal: ManageTopics, topic_key: str) -> Response:
    """Delete a workspace topic (shipped topics are switched off with PATCH instead)."""
    workspace_topics.delete_topic(
        session, workspace_id=principal.workspace_id, key=topic_key, actor=principal.actor
    )
    return Response(status_code=204)
