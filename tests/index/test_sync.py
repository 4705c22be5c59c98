"""Incremental ingest: stable ids, no re-embedding, edits touch only their chunks,
removed files leave the index, and a bad file never costs what is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import small_kb, write_doc

DOC_A = """## 一、基本情况
甲园区以煤化工为主导产业。

## 二、主要做法
### （一）余热梯级利用
园区建设蒸汽管网，把高温余热用于发电、中温余热用于供热，年节约标准煤1.2万吨。

### （二）矿井水回用
园区把矿井水处理后替代黄河水，年节水120万立方米。
"""
DOC_B = """## 一、基本情况
乙社区是老旧小区。

## 二、主要做法
### （一）垃圾分类督导
社区组织退休职工开展桶边督导，垃圾分类准确率达到92%。
"""


@pytest.fixture()
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    write_doc(root / "a", "summary.md", title="甲园区经验总结", pilot="甲园区", body=DOC_A)
    write_doc(root / "b", "summary.md", title="乙社区经验总结", pilot="乙社区", pilot_type="社区", body=DOC_B)
    return root


def _state(kb):
    chunk_ids = {record.chunk_id for record in kb.catalog.chunks()}
    stored = set(kb.vector_store.client.get(include=[])["ids"])
    return chunk_ids, stored


def test_ingesting_twice_changes_nothing_and_embeds_nothing(tmp_path, corpus):
    kb = small_kb(tmp_path / "data")
    first = kb.ingest([corpus])
    assert first.added == 2 and first.chunks_embedded == first.chunks_total > 0
    before = _state(kb)
    assert before[0] == before[1]
    second = kb.ingest([corpus])
    assert (second.added, second.updated, second.unchanged) == (0, 0, 2)
    assert second.chunks_embedded == 0 and second.vectors_written == 0
    assert _state(kb) == before
    kb.close()


def test_document_filter_works_on_both_sides(tmp_path, corpus):
    from index import SearchFilters

    kb = small_kb(tmp_path / "data")
    kb.ingest([corpus])
    stored = kb.vector_store.client.get(include=["metadatas"])["metadatas"]
    assert {m["doc_id"] for m in stored} == {"甲园区/summary", "乙社区/summary"}
    for mode in ("dense", "bm25", "hybrid"):
        hits = kb.search("垃圾分类和余热", SearchFilters(doc_id="甲园区/summary"), top_k=5, mode=mode)
        assert hits and {hit.record.doc_id for hit in hits} == {"甲园区/summary"}, mode
    kb.close()


def test_editing_one_file_reembeds_only_its_changed_chunks(tmp_path, corpus):
    kb = small_kb(tmp_path / "data")
    kb.ingest([corpus])
    old_a = {r.chunk_id for r in kb.catalog.chunks("甲园区/summary")}
    old_b = {r.chunk_id for r in kb.catalog.chunks("乙社区/summary")}
    path = corpus / "a" / "summary.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("年节水120万立方米", "年节水150万立方米"), encoding="utf-8"
    )
    report = kb.ingest([corpus])
    new_a = {r.chunk_id for r in kb.catalog.chunks("甲园区/summary")}
    assert report.updated == 1 and report.unchanged == 1
    assert {r.chunk_id for r in kb.catalog.chunks("乙社区/summary")} == old_b
    assert len(new_a - old_a) == 1 and len(old_a - new_a) == 1
    assert report.chunks_embedded == 1
    chunk_ids, stored = _state(kb)
    assert chunk_ids == stored
    assert any("150万立方米" in hit.record.text for hit in kb.search("矿井水节水多少", top_k=3))
    kb.close()


def test_removed_file_leaves_the_index(tmp_path, corpus):
    kb = small_kb(tmp_path / "data")
    kb.ingest([corpus])
    assert sorted(pilot["pilot_id"] for pilot in kb.pilots()) == ["乙社区", "甲园区"]  # metadata kept from here
    (corpus / "b" / "summary.md").unlink()
    report = kb.ingest([corpus])
    assert report.removed == 1
    assert [doc.doc_id for doc in kb.documents()] == ["甲园区/summary"]
    assert [pilot["pilot_id"] for pilot in kb.pilots()] == ["甲园区"]  # the write made the kept list stale
    chunk_ids, stored = _state(kb)
    assert chunk_ids == stored and all(not r.doc_id.startswith("乙") for r in kb.catalog.chunks())
    assert all(hit.record.doc_id == "甲园区/summary" for hit in kb.search("垃圾分类"))
    kb.close()


def test_bad_file_is_reported_and_the_stored_version_stays(tmp_path, corpus):
    kb = small_kb(tmp_path / "data")
    kb.ingest([corpus])
    path = corpus / "b" / "summary.md"
    path.write_text(path.read_text(encoding="utf-8").replace("pilot_type: 社区", "pilot_type: 小区"), encoding="utf-8")
    write_doc(
        corpus / "c",
        "summary.md",
        title="丙村经验总结",
        pilot="丙村",
        pilot_type="乡村",
        body="## 一、做法\n村里建成屋顶光伏0.8万千瓦。",
    )
    report = kb.ingest([corpus])
    errors = report.errors
    assert len(errors) == 1 and errors[0].path.endswith("b/summary.md") and errors[0].field_name == "pilot_type"
    assert report.added == 1 and report.removed == 0
    assert {doc.doc_id for doc in kb.documents()} == {"甲园区/summary", "乙社区/summary", "丙村/summary"}
    assert kb.search("桶边督导", top_k=1)[0].record.doc_id == "乙社区/summary"
    kb.close()


def test_searches_keep_working_while_an_ingest_runs(tmp_path, corpus):
    import threading

    kb = small_kb(tmp_path / "data")
    kb.ingest([corpus])
    for index in range(6):
        write_doc(
            corpus / f"extra{index}",
            "summary.md",
            title=f"新增文档{index}",
            pilot=f"新增试点{index}",
            body="## 一、做法\n" + "园区推进屋顶光伏建设，装机容量达到1.5万千瓦。" * 20,
        )
    done = threading.Event()
    failures: list[BaseException] = []

    def run_ingest() -> None:
        try:
            kb.ingest([corpus])
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            done.set()

    thread = threading.Thread(target=run_ingest)
    thread.start()
    searches = 0
    while not done.is_set() or searches < 3:
        hits = kb.search("桶边督导垃圾分类", top_k=3)
        assert hits and hits[0].record.doc_id == "乙社区/summary"
        assert kb.documents()
        searches += 1
    thread.join()
    assert not failures and searches >= 3
    assert len(kb.documents()) == 8
    kb.close()


def test_an_ingest_without_reload_writes_bm25_and_the_next_refresh_finds_the_new_text(tmp_path, corpus):
    """``tanlu ingest`` does not load the retriever it would never search with: it writes
    the BM25 index from the chunks' ids and tokens; another knowledge base on the folder
    loads that index as it is, and this one loads the new state on its next refresh."""
    from index.bm25_index import Bm25Index

    kb = small_kb(tmp_path / "data")
    kb.ingest([corpus / "a"])
    assert not any("垃圾分类" in hit.record.text for hit in kb.search("垃圾分类督导", top_k=3, mode="bm25"))
    report = kb.ingest([corpus], reload=False)
    assert report.added == 1
    saved = Bm25Index.load(tmp_path / "data" / "bm25")
    assert saved is not None and saved.generation == kb.catalog.get_state("generation")
    assert sorted(saved.chunk_ids) == sorted(record.chunk_id for record in kb.catalog.chunks())
    assert kb.refresh() and "垃圾分类" in kb.search("垃圾分类督导", top_k=3, mode="bm25")[0].record.text
    kb.close()
    pointer = (tmp_path / "data" / "bm25" / "CURRENT").read_text()
    other = small_kb(tmp_path / "data")
    assert (tmp_path / "data" / "bm25" / "CURRENT").read_text() == pointer  # loaded as it was, not rebuilt
    hits = other.search("垃圾分类督导", top_k=3)
    assert hits and "垃圾分类" in hits[0].record.text
    other.close()


def test_searches_keep_no_vector_store_client_that_a_check_or_write_read(tmp_path, corpus, monkeypatch):
    """Embedded Chroma loads a collection's HNSW graph into the client on any read or
    write of it (230 MB at 100k chunks); searches read vectors from memory, so the store
    the retriever keeps is never one that the open's check, a refresh's check (another
    process wrote) or a write read."""
    from index.knowledge_base import KnowledgeBase

    touched = []

    def recording(method):
        def run(self, *args, **kwargs):
            touched.append(self.vector_store)
            return method(self, *args, **kwargs)

        return run

    monkeypatch.setattr(
        KnowledgeBase, "_finish_interrupted_ingest", recording(KnowledgeBase._finish_interrupted_ingest)
    )
    monkeypatch.setattr(KnowledgeBase, "_after_ingest", recording(KnowledgeBase._after_ingest))

    def kept_store_is_fresh(kb) -> bool:
        kept = kb.retriever.vector_store
        return kept is kb.vector_store and all(store is not kept for store in touched)

    kb = small_kb(tmp_path / "data")
    assert touched and kept_store_is_fresh(kb)  # opened
    kb.ingest([corpus / "a"])
    assert kept_store_is_fresh(kb)  # after its own write
    other = small_kb(tmp_path / "data")
    other.ingest([corpus], reload=False)
    other.close()
    checks = len(touched)
    assert kb.refresh() and len(touched) > checks and kept_store_is_fresh(kb)  # after another's write
    assert kb.search("垃圾分类督导", top_k=3)
    kb.close()
