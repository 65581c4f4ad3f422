"""A workspace's own sentiment models: train on its weak labels, compare, activate, switch back.

A new model is evaluated on a held-out part of the workspace's own data (stratified, seeded)
against the model in use (the shipped one, or an earlier workspace model) and activated only
when its macro-F1 is higher. Every version stays on disk, so an admin can switch back.
"""

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sklearn.model_selection import train_test_split
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nabd.core.audit import Actor, record_audit
from nabd.core.errors import NotFound, ValidationFailed
from nabd.core.i18n import N_
from nabd.core.types import utcnow
from nabd.text.accurate import load_accurate_backend
from nabd.text.backend import TextBackend, default_backend
from nabd.text.sentiment import LinearSentimentModel
from nabd.text.training import score_model, train_model
from nabd.text.training_data import LabelledExample, assemble, rated_examples
from nabd.text.transformer_backend import load_transformer_backend
from nabd.text.workspace_models import TextModelVersion, TextWorkspaceSettings
from nabd.text.workspace_topics import text_settings

MODELS_FOLDER = "text-models"
INDEX_MANIFEST = "manifest.json"
MIN_EXAMPLES = 60
MIN_PER_LABEL = 8
TEST_SHARE = 0.25
DEFAULT_SEED = 20261123
LINEAR = "linear"
TRANSFORMER = "transformer"
ACCURATE = "accurate"


class NotEnoughTrainingData(ValidationFailed):
    pass


class ModelVersionNotFound(NotFound):
    pass


@dataclass(frozen=True)
class TrainingReport:
    """What ``train_workspace_model`` did: the new version, the model it was compared to."""

    version: TextModelVersion
    activated: bool
    baseline: str
    baseline_macro_f1: float


def workspace_models_dir(models_root: Path, workspace_id: int) -> Path:
    """Where a workspace's model versions live under the data dir."""
    return models_root / MODELS_FOLDER / f"workspace-{workspace_id}"


def list_versions(session: Session, *, workspace_id: int) -> list[TextModelVersion]:
    """The workspace's trained versions, newest first."""
    return list(
        session.scalars(
            select(TextModelVersion)
            .where(TextModelVersion.workspace_id == workspace_id)
            .order_by(TextModelVersion.id.desc())
        )
    )


def active_version(session: Session, *, workspace_id: int) -> TextModelVersion | None:
    """The workspace model in use, or None when the shipped model is."""
    return session.scalar(
        select(TextModelVersion).where(
            TextModelVersion.workspace_id == workspace_id, TextModelVersion.is_active.is_(True)
        )
    )


@lru_cache(maxsize=32)
def _load(path: str) -> LinearSentimentModel:
    # Versions are never rewritten in place, so the path identifies the model.
    return LinearSentimentModel.load(Path(path))


def workspace_sentiment_backend(session: Session, *, workspace_id: int) -> TextBackend:
    """The sentiment model the workspace's texts are scored with: a transformer directory or
    the accurate (embeddings) backend when the workspace chose one, else its active trained
    version, else the shipped model. The accurate backend stacks on the shipped n-gram model,
    whatever version the workspace trained."""
    settings = session.scalar(
        select(TextWorkspaceSettings).where(TextWorkspaceSettings.workspace_id == workspace_id)
    )
    if settings is not None and settings.backend == TRANSFORMER and settings.transformer_path:
        return load_transformer_backend(settings.transformer_path)
    if settings is not None and settings.backend == ACCURATE:
        return load_accurate_backend()
    active = active_version(session, workspace_id=workspace_id)
    return _load(active.path) if active else default_backend()


def backend_in_use(session: Session, *, workspace_id: int) -> str:
    """``linear`` (shipped or trained n-gram model), ``accurate`` or ``transformer``."""
    chosen = session.scalar(
        select(TextWorkspaceSettings.backend).where(
            TextWorkspaceSettings.workspace_id == workspace_id
        )
    )
    return chosen or LINEAR


def set_accurate_backend(
    session: Session, *, workspace_id: int, actor: Actor
) -> TextWorkspaceSettings:
    """Score the workspace with the accurate backend (e5 embeddings + n-gram model). It is
    loaded now, so a missing ``[embeddings]`` extra is refused at once."""
    load_accurate_backend()
    settings = text_settings(session, workspace_id=workspace_id)
    settings.backend, settings.transformer_path = ACCURATE, None
    settings.updated_at = utcnow()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="text.backend.set",
        object_type="text_settings",
        object_id=workspace_id,
        details={"backend": ACCURATE, "path": None},
    )
    return settings


def transformer_in_use(session: Session, *, workspace_id: int) -> str | None:
    """The transformer model directory the workspace is scored with, if it chose one."""
    return session.scalar(
        select(TextWorkspaceSettings.transformer_path).where(
            TextWorkspaceSettings.workspace_id == workspace_id,
            TextWorkspaceSettings.backend == TRANSFORMER,
        )
    )


def set_transformer_backend(
    session: Session, *, workspace_id: int, directory: Path | None, actor: Actor
) -> TextWorkspaceSettings:
    """Score the workspace with a local transformer model directory, or (None) go back to
    the linear models. The directory is loaded now, so a bad one is refused at once."""
    settings = text_settings(session, workspace_id=workspace_id)
    if directory is None:
        settings.backend, settings.transformer_path = LINEAR, None
    else:
        path = str(directory.resolve())
        load_transformer_backend(path)
        settings.backend, settings.transformer_path = TRANSFORMER, path
    settings.updated_at = utcnow()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="text.backend.set",
        object_type="text_settings",
        object_id=workspace_id,
        details={"backend": settings.backend, "path": settings.transformer_path},
    )
    return settings


def _check_enough(examples: list[LabelledExample]) -> None:
    counts = Counter(example.label for example in examples)
    well_represented = [label for label, count in counts.items() if count >= MIN_PER_LABEL]
    if len(examples) < MIN_EXAMPLES or len(well_represented) < 2:
        raise NotEnoughTrainingData(
            N_(
                "Not enough rated comments to train a model: %(count)s found (%(labels)s); "
                "at least %(minimum)s are needed, with %(per_label)s or more in each of "
                "two sentiment classes."
            ),
            params={
                "count": len(examples),
                "labels": ", ".join(f"{label} {n}" for label, n in sorted(counts.items())) or "—",
                "minimum": MIN_EXAMPLES,
                "per_label": MIN_PER_LABEL,
            },
        )


def train_workspace_model(
    session: Session,
    *,
    workspace_id: int,
    models_root: Path,
    actor: Actor,
    extra: Iterable[LabelledExample] = (),
    seed: int = DEFAULT_SEED,
) -> TrainingReport:
    """Train on the workspace's rated texts (plus ``extra``, e.g. analysts' corrections),
    compare on held-out data, keep the version, activate it only if it is better."""
    examples = assemble(rated_examples(session, workspace_id=workspace_id), extra)
    counts = Counter(example.label for example in examples)
    # Classes too rare to split are left out rather than failing the stratified split.
    examples = [example for example in examples if counts[example.label] >= MIN_PER_LABEL]
    _check_enough(examples)
    train, test = train_test_split(
        examples,
        test_size=TEST_SHARE,
        stratify=[example.label for example in examples],
        random_state=seed,
    )
    number = 1 + (
        session.scalar(
            select(func.count(TextModelVersion.id)).where(
                TextModelVersion.workspace_id == workspace_id
            )
        )
        or 0
    )
    version_name = f"v{number}"
    trained_at = utcnow()
    model = train_model(
        [example.text for example in train],
        [example.label for example in train],
        weights=[example.weight for example in train],
        seed=seed,
        manifest={
            "model_version": f"workspace-{workspace_id}-{version_name}",
            "task": "sentiment (negative/neutral/positive), workspace weak labels",
            "trained_on": trained_at.isoformat(),
            "training_data": {
                "rows": len(train),
                "label_counts": dict(Counter(example.label for example in train)),
                "origin_counts": dict(Counter(example.origin for example in train)),
            },
        },
    )
    test_texts = [example.text for example in test]
    test_labels = [example.label for example in test]
    new_f1 = score_model(model, test_texts, test_labels)
    shipped_f1 = score_model(default_backend(), test_texts, test_labels)
    current = active_version(session, workspace_id=workspace_id)
    baseline, baseline_f1 = "shipped", shipped_f1
    if current is not None:
        baseline = current.version
        baseline_f1 = score_model(_load(current.path), test_texts, test_labels)
    activated = new_f1 > baseline_f1

    directory = workspace_models_dir(models_root, workspace_id) / version_name
    model.save(directory)
    if activated and current is not None:
        current.is_active = False
        session.flush()
    version = TextModelVersion(
        workspace_id=workspace_id,
        version=version_name,
        path=str(directory.resolve()),
        macro_f1=round(new_f1, 4),
        shipped_macro_f1=round(shipped_f1, 4),
        train_count=len(train),
        test_count=len(test),
        is_active=activated,
        metrics={
            "baseline": baseline,
            "baseline_macro_f1": round(baseline_f1, 4),
            "test_label_counts": dict(Counter(test_labels)),
            "origin_counts": dict(Counter(example.origin for example in examples)),
            "seed": seed,
            "test_share": TEST_SHARE,
        },
        created_at=trained_at,
    )
    session.add(version)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="text.model.train",
        object_type="text_model_version",
        object_id=version.id,
        details={
            "version": version_name,
            "macro_f1": version.macro_f1,
            "baseline": baseline,
            "baseline_macro_f1": round(baseline_f1, 4),
            "activated": activated,
        },
    )
    write_index_manifest(session, workspace_id=workspace_id, models_root=models_root)
    return TrainingReport(version, activated, baseline, baseline_f1)


def activate_model(
    session: Session,
    *,
    workspace_id: int,
    version_id: int | None,
    models_root: Path,
    actor: Actor,
) -> TextModelVersion | None:
    """Switch the workspace to one of its versions, or back to the shipped model (None)."""
    chosen: TextModelVersion | None = None
    if version_id is not None:
        chosen = session.scalar(
            select(TextModelVersion).where(
                TextModelVersion.workspace_id == workspace_id, TextModelVersion.id == version_id
            )
        )
        if chosen is None:
            raise ModelVersionNotFound(N_("No such model version."))
    current = active_version(session, workspace_id=workspace_id)
    if current is not None and current is not chosen:
        current.is_active = False
        session.flush()
    if chosen is not None:
        chosen.is_active = True
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor=actor,
        action="text.model.activate",
        object_type="text_model_version",
        object_id=None if chosen is None else chosen.id,
        details={"version": "shipped" if chosen is None else chosen.version},
    )
    write_index_manifest(session, workspace_id=workspace_id, models_root=models_root)
    return chosen


def write_index_manifest(session: Session, *, workspace_id: int, models_root: Path) -> None:
    """``manifest.json`` beside the versions: each one's scores and which is active."""
    directory = workspace_models_dir(models_root, workspace_id)
    directory.mkdir(parents=True, exist_ok=True)
    versions = list_versions(session, workspace_id=workspace_id)
    index = {
        "workspace_id": workspace_id,
        "active": next((v.version for v in versions if v.is_active), "shipped"),
        "versions": [
            {
                "version": version.version,
                "path": version.path,
                "trained_at": version.created_at.isoformat(),
                "macro_f1": version.macro_f1,
                "shipped_macro_f1": version.shipped_macro_f1,
                "train_count": version.train_count,
                "test_count": version.test_count,
                "active": version.is_active,
            }
            for version in versions
        ],
    }
    text = json.dumps(index, ensure_ascii=False, indent=2) + "\n"
    (directory / INDEX_MANIFEST).write_text(text, encoding="utf-8")
