"""Workspace sentiment models: weak labels, held-out comparison, activation, switching back."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from nabd.cli.main import app as cli
from nabd.core.audit import SYSTEM_ACTOR
from nabd.text.annotator import annotator_for
from nabd.text.backend import default_backend
from nabd.text.training_data import (
    LabelledExample,
    assemble,
    label_for_rating,
    sentiment_corrections,
)
from nabd.text.training_service import (
    NotEnoughTrainingData,
    active_version,
    list_versions,
    train_workspace_model,
)
from nabd.workspaces.roles import Role
from tests.factories import make_member, make_workspace, page_csrf, sign_in
from tests.text_workspace.factories import (
    CONTEXTS,
    add_rated_feedback,
    shipped_fixture_examples,
    telecom_examples,
)


@pytest.mark.parametrize(
    ("rating", "scale", "label"),
    [
        (0, 10, "negative"),
        (6, 10, "negative"),
        (7, 10, "neutral"),
        (8, 10, "neutral"),
        (9, 10, "positive"),
        (1, 5, "negative"),
        (2, 5, "negative"),
        (3, 5, "neutral"),
        (4, 5, "positive"),
        (5, 5, "positive"),
    ],
)
def test_scores_become_weak_labels(rating: int, scale: int, label: str) -> None:
    assert label_for_rating(rating, scale) == label


def test_corrections_replace_the_weak_label_of_the_same_text() -> None:
    rated = [LabelledExample("الشبكة طايحة", "neutral"), LabelledExample("ok then", "neutral")]
    corrections = sentiment_corrections(
        [("الشبكة طايحة ", "sentiment", "negative"), ("ok then", "intent", "praise")]
    )
    examples = {example.text: example for example in assemble(rated, corrections)}
    assert examples["الشبكة طايحة "].label == "negative"
    assert examples["الشبكة طايحة "].origin == "correction"
    assert examples["ok then"].label == "neutral"


def _generic_examples() -> list[tuple[str, str]]:
    """Shipped-fixture sentences in context that the shipped model already gets right."""
    backend = default_backend()
    candidates = [
        (f"{text} {context}".strip(), label)
        for context_index in range(len(CONTEXTS["ar"]))
        for text, label in shipped_fixture_examples()
        for context in [CONTEXTS["ar" if not text.isascii() else "en"][context_index]]
    ]
    probabilities, _ = backend.score_documents([[text] for text, _ in candidates])
    labels = ("negative", "neutral", "positive")
    return [
        (text, label)
        for (text, label), row in zip(candidates, probabilities, strict=True)
        if labels[int(row.argmax())] == label
    ]


def test_a_better_workspace_model_is_activated(session: Session, tmp_path: Path) -> None:
    workspace = make_workspace(session)
    add_rated_feedback(session, workspace, telecom_examples())
    report = train_workspace_model(
        session, workspace_id=workspace.id, models_root=tmp_path, actor=SYSTEM_ACTOR
    )
    session.commit()
    version = report.version
    assert report.activated and report.baseline == "shipped"
    assert version.macro_f1 > version.shipped_macro_f1 + 0.2
    # 144 distinct texts (repeated ones count once), 25 % held out, stratified.
    assert (version.train_count, version.test_count) == (108, 36)
    assert active_version(session, workspace_id=workspace.id).version == "v1"
    # The workspace's texts are now scored by its own model.
    annotator = annotator_for(session, workspace_id=workspace.id)
    assert annotator.model_version == f"linear-hashed-ngrams/workspace-{workspace.id}-v1"
    assert annotator.annotate(["zero bars at home"])[0].sentiment == "negative"
    index = json.loads((Path(version.path).parent / "manifest.json").read_text())
    assert index["active"] == "v1" and index["versions"][0]["macro_f1"] == version.macro_f1
    assert (Path(version.path) / "sentiment.npz").exists()


def test_a_model_no_better_than_the_one_in_use_is_kept_but_not_activated(
    session: Session, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    examples = _generic_examples()
    assert len(examples) >= 100
    add_rated_feedback(session, workspace, examples)
    report = train_workspace_model(
        session, workspace_id=workspace.id, models_root=tmp_path, actor=SYSTEM_ACTOR
    )
    session.commit()
    assert not report.activated
    assert report.version.shipped_macro_f1 == 1.0 and report.version.macro_f1 <= 1.0
    assert active_version(session, workspace_id=workspace.id) is None
    assert Path(report.version.path, "sentiment.npz").exists()
    other = annotator_for(session, workspace_id=workspace.id)
    assert other.model_version == f"{default_backend().name}/{default_backend().version}"


def test_too_little_data_is_refused_with_the_counts(session: Session, tmp_path: Path) -> None:
    workspace = make_workspace(session)
    add_rated_feedback(session, workspace, telecom_examples(per_label=10))
    with pytest.raises(NotEnoughTrainingData) as refused:
        train_workspace_model(
            session, workspace_id=workspace.id, models_root=tmp_path, actor=SYSTEM_ACTOR
        )
    assert "30 found" in str(refused.value) and "at least 60" in str(refused.value)
    assert list_versions(session, workspace_id=workspace.id) == []


def test_cli_trains_and_the_admin_switches_back(
    client: TestClient, session: Session, database_url: str, tmp_path: Path
) -> None:
    workspace = make_workspace(session)
    add_rated_feedback(session, workspace, telecom_examples())
    result = CliRunner().invoke(
        cli,
        ["text", "train", "--workspace", workspace.slug],
        env={"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 0, result.output
    assert "activated" in result.output and "shipped model:" in result.output
    assert (tmp_path / "text-models" / f"workspace-{workspace.id}" / "v1").is_dir()

    sign_in(client, make_member(session, workspace, Role.ANALYST))
    page = client.get("/settings/text/models")
    assert page.status_code == 200 and 'data-model="v1"' in page.text
    assert "/settings/text/models/shipped/activate" not in page.text  # analysts only look
    client.cookies.clear()
    sign_in(client, make_member(session, workspace, Role.ADMIN))
    page = client.get("/settings/text/models")
    assert "/settings/text/models/shipped/activate" in page.text
    switched = client.post(
        "/settings/text/models/shipped/activate",
        data={"csrf_token": page_csrf(client, "/settings/text/models")},
        follow_redirects=False,
    )
    assert switched.status_code == 303
    session.expire_all()
    assert active_version(session, workspace_id=workspace.id) is None
    version_id = list_versions(session, workspace_id=workspace.id)[0].id
    client.post(
        f"/settings/text/models/{version_id}/activate",
        data={"csrf_token": page_csrf(client, "/settings/text/models")},
    )
    session.expire_all()
    assert active_version(session, workspace_id=workspace.id).id == version_id


def test_cli_explains_missing_data(database_url: str, session: Session, tmp_path: Path) -> None:
    workspace = make_workspace(session)
    result = CliRunner().invoke(
        cli,
        ["text", "train", "--workspace", workspace.slug],
        env={"NABD_DATABASE_URL": database_url, "NABD_DATA_DIR": str(tmp_path)},
    )
    assert result.exit_code == 1
    assert "Not enough rated comments" in result.output
