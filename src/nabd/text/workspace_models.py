"""A workspace's own text configuration: its taxonomy edits, its backend, its trained models."""

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nabd.core.models import Base, CreatedAtMixin, IdMixin, WorkspaceScoped
from nabd.core.types import JSONDocument, utcnow


class WorkspaceTopic(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """One workspace edit of the taxonomy, keyed by topic.

    For a workspace's own topic (``custom``) it holds the whole topic; for a shipped topic
    only what the workspace changed: extra phrases, or ``enabled = False`` to switch it off.
    """

    __tablename__ = "text_workspace_topics"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)
    workspace_leads_an_index = True

    key: Mapped[str] = mapped_column(String(64))
    custom: Mapped[bool] = mapped_column(Boolean)
    label_ar: Mapped[str | None] = mapped_column(String(120))
    label_en: Mapped[str | None] = mapped_column(String(120))
    phrases: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextWorkspaceSettings(IdMixin, WorkspaceScoped, Base):
    """Per-workspace text settings; one row, created on the first edit."""

    __tablename__ = "text_workspace_settings"
    __table_args__ = (UniqueConstraint("workspace_id"),)
    workspace_leads_an_index = True

    # Bumped on every taxonomy edit, so re-scoring can tell stale annotations apart.
    taxonomy_version: Mapped[int] = mapped_column(default=0)
    backend: Mapped[str] = mapped_column(String(16), default="linear")
    transformer_path: Mapped[str | None] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextModelVersion(IdMixin, WorkspaceScoped, CreatedAtMixin, Base):
    """A sentiment model trained on a workspace's own data, with its held-out comparison."""

    __tablename__ = "text_model_versions"
    __table_args__ = (UniqueConstraint("workspace_id", "version"),)
    workspace_leads_an_index = True

    version: Mapped[str] = mapped_column(String(64))
    # Absolute: the annotator loads it without knowing the settings.
    path: Mapped[str] = mapped_column(String(500))
    macro_f1: Mapped[float] = mapped_column(Float)
    shipped_macro_f1: Mapped[float] = mapped_column(Float)
    train_count: Mapped[int]
    test_count: Mapped[int]
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
