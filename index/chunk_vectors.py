"""Every chunk's vector in one float32 matrix, aligned with the chunk table's rows.

Why: a search's dense side asked Chroma for the 50 nearest vectors, and that call cost
6.8 ms of a /search whose query embedding costs ~28 ms (issue 13, where the target is
/search ≤ 1.3× the bare embedding). An exact dot product over the rows the filters
leave costs 0.07 ms at 1k chunks, 0.7 ms at 10k and ~15 ms at 100k on one core of the
2-core machine (0.44 and 8.3 ms split over both: ``SPLIT_ROWS``), applies every filter
exactly (no HNSW recall loss under a selective filter), and is the same in embedded and
server deployments. Chroma's own query at 100k costs ~2 ms, but only once the collection's
HNSW graph is loaded: 230 MB more in the server (KnowledgeBase leaves it on disk).

Chroma stays the store of record, written by every ingest (index/sync.py). The rows are
read from the embedding cache, which holds every vector ever written to Chroma (an
ingest computes all its vectors into the cache first); a vector the cache lacks (a
cache deleted by hand) is read from the vector store by chunk id. A reload after
another write keeps the rows of chunks whose fingerprint did not change, so an upload
reads only its own chunks' vectors.
"""

from __future__ import annotations

import itertools
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
from llama_index.core.vector_stores.types import BasePydanticVectorStore
from numpy.typing import ArrayLike

from index.catalog import ChunkRecord
from index.embedding_cache import EmbeddingCache, text_hash
from index.vector_store import stored_vectors
from ingest.nodes import chunk_embedding_text

logger = logging.getLogger("tanlu.index")

# Below this share of rows left by the filters, only those rows are multiplied (gathered
# first); above it the whole matrix is, and the rest masked out.
_GATHER_SHARE = 0.25
# From this many rows to multiply on, the product is split into parts multiplied on
# several threads (numpy lets the GIL go). On the 2-core machine, one thread against two:
# 14.4 against 8.5 ms at 100k rows, ~1.1 against ~0.7 ms at 10k; at 1k (the gathered
# tenth of 10k) the hand-off to a thread costs more than it saves.
SPLIT_ROWS = 8_192
# At most this many parts, however many cores.
MAX_PARTS = 4


class ChunkVectors:
    """``matrix[row]``: the unit vector of the table's chunk ``row`` (zeros where none is
    known: ``known[row]`` is False, and such a row is never returned)."""

    def __init__(self, chunk_ids: list[str], fingerprints: list[str], matrix: np.ndarray, known: np.ndarray) -> None:
        self.chunk_ids = chunk_ids
        self.fingerprints = fingerprints
        self.matrix = matrix
        self.known = known
        self.all_known = bool(known.all())

    @classmethod
    def load(
        cls,
        records: list[ChunkRecord],
        cache: EmbeddingCache,
        embedder_key: str,
        store: BasePydanticVectorStore | None = None,
        previous: ChunkVectors | None = None,
    ) -> ChunkVectors:
        """The vectors of ``records``, in their order: from ``previous`` where the chunk
        and its fingerprint are unchanged, else from the cache, else from ``store``."""
        reused: dict[str, np.ndarray] = {}
        if previous is not None and previous.matrix.shape[0]:
            old_rows = {chunk_id: row for row, chunk_id in enumerate(previous.chunk_ids)}
            for record in records:
                row = old_rows.get(record.chunk_id)
                if row is not None and previous.known[row] and previous.fingerprints[row] == record.fingerprint:
                    reused[record.chunk_id] = previous.matrix[row]
        dimension = previous.matrix.shape[1] if reused and previous is not None else 0
        rows: list[int] = []
        fresh: list[ChunkRecord] = []
        for row, record in enumerate(records):
            if record.chunk_id not in reused:
                rows.append(row)
                fresh.append(record)
        found = _from_cache(fresh, cache, embedder_key)
        lacking = [record.chunk_id for record in fresh if record.chunk_id not in found]
        if lacking and store is not None:
            found.update(stored_vectors(store, lacking))
            if any(chunk_id not in found for chunk_id in lacking):
                logger.warning("%d 个分块在向量缓存与向量库中都没有向量，检索的向量一侧不会返回它们", len(lacking))
        if not dimension:
            dimension = next((len(vector) for vector in found.values()), 0)
        matrix = np.zeros((len(records), dimension), dtype=np.float32)
        known = np.zeros(len(records), dtype=bool)
        for row, record in enumerate(records):
            vector = reused.get(record.chunk_id)
            if vector is None:
                vector = found.get(record.chunk_id)
                if vector is None:
                    continue
                norm = float(np.linalg.norm(vector))
                vector = vector / norm if norm else vector
            matrix[row] = vector
            known[row] = True
        return cls([r.chunk_id for r in records], [r.fingerprint for r in records], matrix, known)

    def nearest(self, query: ArrayLike, mask: np.ndarray | None, limit: int) -> list[tuple[int, float]]:
        """(row, cosine similarity) of the ``limit`` most similar rows that ``mask`` keeps,
        most similar first (equal ones by row)."""
        if mask is None and self.all_known:
            allowed, count = None, len(self.known)
        else:
            allowed = self.known if mask is None else self.known & mask
            count = int(np.count_nonzero(allowed))
        if not count or not self.matrix.shape[1]:
            return []
        vector = np.asarray(query, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        vector = vector / norm if norm else vector
        limit = min(limit, count)
        rows_total = len(self.known)
        gathered = allowed is not None and count < _GATHER_SHARE * rows_total
        bounds = _parts(rows_total) if (count if gathered else rows_total) >= SPLIT_ROWS else [(0, rows_total)]
        if len(bounds) == 1:
            rows, scores = self._best(vector, allowed, 0, rows_total, limit)
        else:
            pool = _pool(len(bounds) - 1)
            others = [pool.submit(self._best, vector, allowed, start, stop, limit) for start, stop in bounds[1:]]
            found = [self._best(vector, allowed, *bounds[0], limit)] + [future.result() for future in others]
            rows = np.concatenate([part_rows for part_rows, _ in found])
            scores = np.concatenate([part_scores for _, part_scores in found])
        order = np.lexsort((rows, -scores))[:limit]
        return [(int(row), float(score)) for row, score in zip(rows[order], scores[order], strict=True)]

    def _best(
        self, vector: np.ndarray, allowed: np.ndarray | None, start: int, stop: int, limit: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, similarities) of the ``limit`` most similar allowed rows in ``start:stop``, unordered."""
        matrix = self.matrix[start:stop]
        candidates = None
        if allowed is None:
            scores = matrix @ vector
        else:
            kept = allowed[start:stop]
            count = int(np.count_nonzero(kept))
            if not count:
                return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
            if count < _GATHER_SHARE * len(kept):
                candidates = np.flatnonzero(kept)
                scores = matrix[candidates] @ vector
            else:
                scores = np.where(kept, matrix @ vector, -np.inf).astype(np.float32, copy=False)
            limit = min(limit, count)
        if limit < len(scores):
            top = np.argpartition(scores, len(scores) - limit)[len(scores) - limit :]
        else:
            top = np.arange(len(scores))
        rows = top if candidates is None else candidates[top]
        return rows + start, scores[top]

    @property
    def nbytes(self) -> int:
        return int(self.matrix.nbytes)


def _parts(rows: int) -> list[tuple[int, int]]:
    """(start, stop) of each part of a split product over ``rows`` rows: one part per
    usable core (a ``--workers`` server's share: the OMP_NUM_THREADS `tanlu serve` gives each)."""
    parts = min(MAX_PARTS, _usable_cores())
    edges = [rows * part // parts for part in range(parts + 1)]
    return list(itertools.pairwise(edges))


@cache
def _usable_cores() -> int:
    cores = len(os.sched_getaffinity(0))
    share = os.environ.get("OMP_NUM_THREADS", "")
    return max(1, min(cores, int(share))) if share.isdigit() and int(share) > 0 else cores


@cache
def _pool(workers: int) -> ThreadPoolExecutor:
    """Threads for the other parts; the calling thread multiplies the first itself."""
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tanlu-dense")


def _from_cache(records: list[ChunkRecord], cache: EmbeddingCache, embedder_key: str) -> dict[str, np.ndarray]:
    """chunk id -> cached vector (float32) of the records' embedding texts."""
    if not records:
        return {}
    digests = {record.chunk_id: text_hash(chunk_embedding_text(record.text, record.metadata)) for record in records}
    by_hash = cache.get_arrays(embedder_key, list(set(digests.values())))
    return {chunk_id: by_hash[digest] for chunk_id, digest in digests.items() if digest in by_hash}
