"""A workspace's taxonomy: the shipped CX topics plus its own edits, with a version number.

The shipped taxonomy stays the base so improvements to it reach every workspace; a workspace
stores only its differences (its own topics, phrases added to shipped ones, shipped topics
switched off). Every edit bumps ``taxonomy_version`` so re-scoring can find stale annotations.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.errors import Conflict, NotFound
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.text.topics import Taxonomy, Topic, default_taxonomy, merge_taxonomy
from nabd.text.workspace_models import TextWorkspaceSettings, WorkspaceTopic
from nabd.text.workspace_topics_schemas import TopicCreate, TopicOut, TopicUpdate


class TopicNotFound(NotFound):
    pass


class TopicExists(Conflict):
    pass


class ShippedTopicNotDeletable(Conflict):
    pass


@dataclass(frozen=True)
class TaxonomyState:
    """The workspace's merged taxonomy and the version number of its edits."""

    taxonomy: Taxonomy
    version: int


def text_settings(session: Session, *, workspace_id: int) -> TextWorkspaceSettings:
    """The workspace's text settings row, created (unsaved until commit) on first use."""
    row = session.scalar(
        select(TextWorkspaceSettings).where(TextWorkspaceSettings.workspace_id == workspace_id)
    )
    if row is None:
        row = TextWorkspaceSettings(workspace_id=workspace_id, taxonomy_version=0, backend="linear")
        session.add(row)
        session.flush()
    return row


def taxonomy_version(session: Session, *, workspace_id: int) -> int:
    """The number of taxonomy edits so far (0: the shipped taxonomy unchanged)."""
    version = session.scalar(
        select(TextWorkspaceSettings.taxonomy_version).where(
            TextWorkspaceSettings.workspace_id == workspace_id
        )
    )
    return version or 0


def _edits(session: Session, workspace_id: int) -> list[WorkspaceTopic]:
    return list(
        session.scalars(
            select(WorkspaceTopic)
            .where(WorkspaceTopic.workspace_id == workspace_id)
            .order_by(WorkspaceTopic.id)
        )
    )


def workspace_taxonomy(session: Session, *, workspace_id: int) -> TaxonomyState:
    """The taxonomy the workspace's texts are matched against."""
    base = default_taxonomy()
    edits = _edits(session, workspace_id)
    version = taxonomy_version(session, workspace_id=workspace_id)
    merged = merge_taxonomy(
        base,
        add_or_replace=[
            {
                "id": edit.key,
                "label": {"ar": edit.label_ar or edit.key, "en": edit.label_en or edit.key},
                "phrases": list(edit.phrases),
            }
            for edit in edits
            if edit.custom
        ],
        extra_phrases={edit.key: list(edit.phrases) for edit in edits if not edit.custom},
        remove=[edit.key for edit in edits if not edit.enabled],
    )
    taxonomy = Taxonomy(topics=merged.topics, version=f"{base.version}+ws{version}")
    return TaxonomyState(taxonomy, version)


def list_topics(session: Session, *, workspace_id: int) -> list[TopicOut]:
    """Shipped topics (with the workspace's changes) first, then the workspace's own."""
    edits = {edit.key: edit for edit in _edits(session, workspace_id)}
    topics = [_shipped_out(topic, edits.get(topic.id)) for topic in default_taxonomy().topics]
    topics.extend(_custom_out(edit) for edit in edits.values() if edit.custom)
    return topics


def _shipped_out(topic: Topic, edit: WorkspaceTopic | None) -> TopicOut:
    added = list(edit.phrases) if edit else []
    return TopicOut(
        key=topic.id,
        label_ar=topic.labels.get("ar", topic.id),
        label_en=topic.labels.get("en", topic.id),
        custom=False,
        enabled=edit.enabled if edit else True,
        phrases=[*topic.phrases, *added],
        added_phrases=added,
    )


def _custom_out(edit: WorkspaceTopic) -> TopicOut:
    return TopicOut(
        key=edit.key,
        label_ar=edit.label_ar or edit.key,
        label_en=edit.label_en or edit.key,
        custom=True,
        enabled=edit.enabled,
        phrases=list(edit.phrases),
        added_phrases=list(edit.phrases),
    )


def get_topic(session: Session, *, workspace_id: int, key: str) -> TopicOut:
    """One topic of the workspace's taxonomy, shipped or its own."""
    edit = _find_edit(session, workspace_id, key)
    shipped = _shipped_topic(key)
    if shipped is not None:
        return _shipped_out(shipped, edit)
    if edit is None:
        raise TopicNotFound(N_("No such topic."))
    return _custom_out(edit)


def _find_edit(session: Session, workspace_id: int, key: str) -> WorkspaceTopic | None:
    return session.scalar(
        select(WorkspaceTopic).where(
            WorkspaceTopic.workspace_id == workspace_id, WorkspaceTopic.key == key
        )
    )


def _shipped_topic(key: str) -> Topic | None:
    return next((topic for topic in default_taxonomy().topics if topic.id == key), None)


def _bump_version(session: Session, workspace_id: int) -> int:
    settings = text_settings(session, workspace_id=workspace_id)
    settings.taxonomy_version += 1
    settings.updated_at = utcnow()
    return settings.taxonomy_version


def create_topic(
    session: Session, *, workspace_id: int, data: TopicCreate, actor: Actor
) -> TopicOut:
    """Add a workspace topic; its key may not repeat a shipped or existing topic."""
    if _shipped_topic(data.key) is not None or _find_edit(session, workspace_id, data.key):
        raise TopicExists(N_("A topic with this key already exists."))
    edit = WorkspaceTopic(
        workspace_id=workspace_id,
        key=data.key,
        custom=True,
        label_ar=data.label_ar,
        label_en=data.label_en,
        phrases=data.phrases,
        enabled=True,
    )
    session.add(edit)
    version = _bump_version(session, workspace_id)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="text.topic.create",
        object_type="text_topic",
        object_id=data.key,
        details={"phrases": data.phrases, "taxonomy_version": version},
    )
    return _custom_out(edit)


def update_topic(
    session: Session, *, workspace_id: int, key: str, changes: TopicUpdate, actor: Actor
) -> TopicOut:
    """Change a topic; a shipped one keeps its names and takes only added phrases or on/off."""
    edit = _find_edit(session, workspace_id, key)
    shipped = _shipped_topic(key)
    if edit is None and shipped is None:
        raise TopicNotFound(N_("No such topic."))
    if edit is None:
        edit = WorkspaceTopic(
            workspace_id=workspace_id, key=key, custom=False, phrases=[], enabled=True
        )
        session.add(edit)
    changed = changes.model_dump(exclude_none=True)
    if shipped is not None:
        changed.pop("label_ar", None)
        changed.pop("label_en", None)
    for field, value in changed.items():
        setattr(edit, field, value)
    edit.updated_at = utcnow()
    version = _bump_version(session, workspace_id)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="text.topic.update",
        object_type="text_topic",
        object_id=key,
        details={"changed": changed, "taxonomy_version": version},
    )
    return _shipped_out(shipped, edit) if shipped is not None else _custom_out(edit)


def delete_topic(session: Session, *, workspace_id: int, key: str, actor: Actor) -> None:
    """Delete a workspace topic; shipped topics are switched off instead (``enabled``)."""
    if _shipped_topic(key) is not None:
        raise ShippedTopicNotDeletable(
            N_("A shipped topic cannot be deleted; switch it off instead.")
        )
    edit = _find_edit(session, workspace_id, key)
    if edit is None:
        raise TopicNotFound(N_("No such topic."))
    session.delete(edit)
    version = _bump_version(session, workspace_id)
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="text.topic.delete",
        object_type="text_topic",
        object_id=key,
        details={"taxonomy_version": version},
    )
