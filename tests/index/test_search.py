"""Hybrid search over the demo corpus subset: filters hold, paraphrases find their document."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from index import FilterError, SearchFilters, chunk_vectors
from index.chunk_vectors import ChunkVectors
from index.embedders import kept_query_vector
from index.embedding_cache import EmbeddingCache
from index.hybrid import HybridRetriever
from ingest.domain import PILOT_TYPES

# Questions worded differently from the practice they ask about (no shared title words).
PARAPHRASES = [
    ("城区怎样把分散的屋顶集中起来建太阳能发电？", "city-yinchuan-fengming/summary"),
    ("医院透析用水产生的废水怎么再利用", "public-guyuan-qingliangshan-hospital/summary"),
    ("养牛场的牛粪怎么变成电和热", "village-wuzhong-hongliuwan/summary"),
    ("机房服务器散出来的热量能不能给城里居民取暖", "park-zhongwei-jinsha/summary"),
    ("水泥厂用城市垃圾代替煤炭烧窑", "enterprise-yinchuan-xiling/summary"),
    ("学校怎么用预算管住各部门的用电用气", "public-wuzhong-binhe-school/summary"),
]


@pytest.mark.parametrize(("question", "doc_id"), PARAPHRASES)
def test_paraphrased_question_finds_its_document_in_top_3(kb, question, doc_id):
    top_docs = []
    for hit in kb.search(question, top_k=10):
        if hit.record.doc_id not in top_docs:
            top_docs.append(hit.record.doc_id)
    assert doc_id in top_docs[:3], top_docs[:3]


@pytest.mark.parametrize("pilot_type", PILOT_TYPES)
@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_pilot_type_filter_returns_only_that_type(kb, pilot_type, mode):
    hits = kb.search("节能降碳的主要做法和成效", SearchFilters(pilot_type=pilot_type), top_k=20, mode=mode)
    assert hits, pilot_type
    assert {hit.record.metadata["pilot_type"] for hit in hits} == {pilot_type}


def test_filters_apply_before_top_k(kb):
    # A filter matching few chunks must still return them, not an empty top-k remainder.
    filters = SearchFilters(period="2024H2", pilot_id="park-ningdong-qingquan")
    hits = kb.search("余热", filters, top_k=5)
    assert len(hits) == 5
    assert {hit.record.doc_id for hit in hits} == {"park-ningdong-qingquan/report-2024H2"}


def test_year_region_doc_type_and_field_filters(kb):
    for filters, key, value in [
        (SearchFilters.parse(year="2025"), "year", 2025),
        (SearchFilters.parse(year="2024H2"), "period", "2024H2"),
        (SearchFilters(region="中卫市"), "region", "中卫市"),
        (SearchFilters(doc_type="进展报告"), "doc_type", "进展报告"),
    ]:
        hits = kb.search("光伏装机容量", filters, top_k=15)
        assert hits and all(hit.record.metadata[key] == value for hit in hits), filters
    hits = kb.search("光伏装机容量", SearchFilters(field="绿色低碳农业"), top_k=15)
    assert hits and all("绿色低碳农业" in hit.record.metadata["fields"] for hit in hits)


def test_hybrid_scores_combine_both_sides(kb):
    hits = kb.search("二氧化碳捕集利用与封存", top_k=5)
    assert hits[0].bm25_score is not None and hits[0].dense_score is not None
    assert all(0 <= hit.score <= 1 for hit in hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_synonyms_widen_the_query(kb):
    hits = kb.search("CCUS", top_k=5, mode="bm25")
    assert any("二氧化碳" in hit.record.text or "CCUS" in hit.record.text for hit in hits)


def test_queries_without_words_return_nothing_from_bm25_but_do_not_fail(kb):
    assert kb.search("？？？", top_k=5, mode="bm25") == []


def test_invalid_filter_values_are_refused_with_the_parameter_named():
    with pytest.raises(FilterError) as caught:
        SearchFilters.parse(pilot_type="工厂")
    assert caught.value.parameter == "pilot_type"
    with pytest.raises(FilterError) as caught:
        SearchFilters.parse(year="去年")
    assert caught.value.parameter == "year"


@pytest.mark.parametrize(
    "filters", [SearchFilters(), SearchFilters(pilot_type="园区"), SearchFilters(period="2024H2", doc_type="进展报告")]
)
def test_dense_side_from_memory_matches_the_vector_store(kb, filters):
    # The in-memory matrix (index/chunk_vectors.py) answers what Chroma's query answers.
    retriever = kb.retriever
    assert retriever.vectors is not None and retriever.vectors.known.all()
    through_store = _without_vectors(retriever)
    vector = kb.embedder.get_query_embedding("余热回收与梯级利用")
    in_memory = retriever.dense_candidates("余热回收与梯级利用", filters, 10, vector)
    from_store = through_store.dense_candidates("余热回收与梯级利用", filters, 10, vector)
    assert len(in_memory) == 10
    assert list(in_memory) == list(from_store)
    assert all(abs(in_memory[chunk_id] - from_store[chunk_id]) < 1e-4 for chunk_id in in_memory)


@pytest.mark.parametrize("cores", [2, 3])
def test_dense_product_split_over_threads_gives_the_exact_nearest(kb, cores, monkeypatch):
    # A large product is multiplied in parts on several threads (chunk_vectors.SPLIT_ROWS);
    # here the demo's is split too, gathered rows (a selective filter) included. Each
    # result must be the exact top of a full sort.
    vectors = kb.retriever.vectors
    table = kb.retriever.table
    query = np.asarray(kb.embedder.get_query_embedding("园区余热回收供暖"), dtype=np.float32)
    masks = [None, table.mask(SearchFilters(pilot_type="园区")), table.mask(SearchFilters(period="2024H2"))]
    monkeypatch.setattr(chunk_vectors, "SPLIT_ROWS", 1)
    monkeypatch.setattr(chunk_vectors, "_usable_cores", lambda: cores)
    assert len(chunk_vectors._parts(len(vectors.known))) == cores
    for mask in masks:
        kept = vectors.known if mask is None else vectors.known & mask
        assert 0 < np.count_nonzero(kept) < len(kept) or mask is None
        scores = vectors.matrix @ (query / np.linalg.norm(query))
        expected = sorted(np.flatnonzero(kept), key=lambda row: (-scores[row], row))[:20]
        found = vectors.nearest(query, mask, 20)
        assert [row for row, _ in found] == [int(row) for row in expected]
        assert all(abs(score - float(scores[row])) < 1e-5 for row, score in found)
        assert vectors.nearest(query, mask, 5000) == vectors.nearest(query, mask, len(kept))  # more than it keeps


def test_chunk_vectors_missing_from_the_cache_are_read_from_the_vector_store(kb, tmp_path):
    records = kb.retriever.table.records
    loaded = ChunkVectors.load(records, EmbeddingCache(tmp_path / "empty.sqlite"), kb.embedder_key, kb.vector_store)
    assert loaded.known.all()
    assert np.allclose(loaded.matrix, kb.retriever.vectors.matrix, atol=1e-5)


def _without_vectors(retriever: HybridRetriever) -> HybridRetriever:
    return HybridRetriever(
        table=retriever.table,
        bm25=retriever.bm25,
        vector_store=retriever.vector_store,
        embedder=retriever.embedder,
        tokenizer=retriever.tokenizer,
        fusion=retriever.fusion,
    )


@pytest.mark.parametrize("filters", [SearchFilters(), SearchFilters(pilot_type="园区")])
def test_bm25_side_run_beside_the_query_embedding_gives_the_sequential_result(kb, filters, monkeypatch):
    # A query not embedded before: its BM25 side runs on a helper thread while the
    # query's pass runs; the hits are those of the sequential search with the vector given.
    retriever = kb.retriever
    question = "屋顶光伏与储能怎样一起建设" + ("（园区）" if filters.pilot_type else "")
    assert kept_query_vector(retriever.embedder, question) is None
    threads = []
    bm25_candidates = HybridRetriever.bm25_candidates

    def recording(self, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return bm25_candidates(self, *args, **kwargs)

    monkeypatch.setattr(HybridRetriever, "bm25_candidates", recording)
    beside = retriever.search(question, filters, 10)
    vector = kept_query_vector(retriever.embedder, question)
    assert vector is not None  # the pass ran once, and its vector is kept
    sequential = retriever.search(question, filters, 10, vector=vector)
    assert threads[0].startswith("tanlu-bm25") and threads[1] == threading.current_thread().name
    assert len(beside) == 10
    assert [(h.record.chunk_id, h.bm25_score, h.dense_score) for h in beside] == [
        (h.record.chunk_id, h.bm25_score, h.dense_score) for h in sequential
    ]


def test_the_reading_runs_beside_a_pass_and_inline_without_one(kb):
    # The query's reading (typos, matching form) and the caller's work on it (the search
    # route's highlight terms) run while the query's pass runs; a search whose vector is
    # kept has no pass, and they are done before it returns.
    question = "分布式光伏整县推进的做法"
    assert kept_query_vector(kb.retriever.embedder, question) is None
    ran = []

    def understood(read_as, corrections):
        ran.append((threading.current_thread().name, read_as, corrections))

    first = kb.search(question, understood=understood)
    again = kb.search(question, understood=understood)
    assert ran[0][0].startswith("tanlu-bm25") and ran[1][0] == threading.current_thread().name
    assert ran[0][1:] == ran[1][1:] == (question, [])
    assert [hit.record.chunk_id for hit in first] == [hit.record.chunk_id for hit in again]

    def failing(read_as, corrections):
        raise RuntimeError("the caller's work failed")

    with pytest.raises(RuntimeError, match="the caller's work failed"):
        kb.search("钢铁行业余热发电的成效", understood=failing)


def test_a_corrected_typo_is_searched_and_embedded_as_read(kb):
    # The pass starts on the query as typed (in matching form); when the reading corrects
    # a typo, the corrected text is embedded too, and the hits are the corrected query's.
    typed = "钢铁园区鱼热梯级利用的经验"
    read_as, corrections = kb.understand(typed)
    assert [(c.typed, c.meant) for c in corrections] == [("鱼热", "余热")]
    assert kept_query_vector(kb.retriever.embedder, typed) is None
    seen = []
    found = kb.search(typed, understood=lambda text, fixes: seen.append((text, fixes)))
    assert seen == [(read_as, corrections)]
    assert kept_query_vector(kb.retriever.embedder, read_as) is not None  # embedded as read
    expected = kb.search(typed, read_as=read_as)
    assert [(h.record.chunk_id, h.bm25_score, h.dense_score) for h in found] == [
        (h.record.chunk_id, h.bm25_score, h.dense_score) for h in expected
    ]
