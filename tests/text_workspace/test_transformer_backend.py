"""The transformer backend's loading path, on a tiny model the test builds itself.

Needs the ``[accurate]`` extra (torch, transformers); without it these tests are reported as
skipped with that reason, never passed silently.
"""

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from nabd.core.audit import SYSTEM_ACTOR
from nabd.text.annotator import annotator_for
from nabd.text.training_service import set_transformer_backend
from nabd.text.transformer_backend import TransformerBackend, TransformerUnavailable
from tests.factories import make_workspace

transformers = pytest.importorskip("transformers", reason="needs the [accurate] extra")
pytest.importorskip("torch", reason="needs the [accurate] extra")

WORDS = ["الخدمة", "ممتازة", "سيئة", "the", "service", "was", "great", "awful", "but"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1-layer BERT classifier with a 14-token vocabulary, saved like a real model."""
    directory = tmp_path_factory.mktemp("tiny-sentiment")
    vocabulary = directory / "vocab.txt"
    vocabulary.write_text(
        "\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]) + "\n", encoding="utf-8"
    )
    transformers.BertTokenizerFast(vocab_file=str(vocabulary)).save_pretrained(directory)
    config = transformers.BertConfig(
        vocab_size=len(WORDS) + 5,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=64,
        num_labels=3,
        id2label={0: "NEG", 1: "NEU", 2: "POS"},
        label2id={"NEG": 0, "NEU": 1, "POS": 2},
    )
    transformers.BertForSequenceClassification(config).save_pretrained(directory)
    return directory


def test_a_local_model_directory_scores_documents_and_clauses(tiny_model: Path) -> None:
    backend = TransformerBackend(tiny_model)
    documents = [["the service was great", "but awful"], ["الخدمة ممتازة"], []]
    document_rows, clause_rows = backend.score_documents(documents)
    assert document_rows.shape == (3, 3) and clause_rows.shape == (3, 3)
    np.testing.assert_allclose(document_rows.sum(axis=1), 1.0, rtol=1e-5)
    assert (backend.name, backend.version) == ("transformer", tiny_model.name)


def test_a_workspace_can_switch_to_it_and_back(session: Session, tiny_model: Path) -> None:
    workspace = make_workspace(session)
    set_transformer_backend(
        session, workspace_id=workspace.id, directory=tiny_model, actor=SYSTEM_ACTOR
    )
    session.commit()
    annotator = annotator_for(session, workspace_id=workspace.id)
    assert annotator.model_version == f"transformer/{tiny_model.name}"
    annotation = annotator.annotate(["the service was great but awful"])[0]
    assert annotation.sentiment in {"negative", "neutral", "positive", "mixed"}
    set_transformer_backend(session, workspace_id=workspace.id, directory=None, actor=SYSTEM_ACTOR)
    session.commit()
    assert annotator_for(session, workspace_id=workspace.id).model_version.startswith("linear")


def test_a_directory_without_a_model_is_refused(session: Session, tmp_path: Path) -> None:
    workspace = make_workspace(session)
    with pytest.raises(TransformerUnavailable):
        set_transformer_backend(
            session, workspace_id=workspace.id, directory=tmp_path, actor=SYSTEM_ACTOR
        )
