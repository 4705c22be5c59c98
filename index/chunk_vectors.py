"""Every chunk's vector in one float32 matrix, aligned with the chunk table's rows.

Why: a search's dense side asked Chroma for the 50 nearest vectors, and that call cost
6.8 ms of a /search whose query embedding costs ~28 ms (issue 13, where the target is
/search ≤ 1.3× the bare embedding). An exact dot product over the rows the filters
leave costs 0.07 ms at 1k chunks, 0.7 ms at 10k and ~20 ms at 100k (measured on the
2-core machine), applies every filter exactly (no HNSW recall loss under a selective
filter), and is the same in embedded and server deployments.

Chroma stays the store of record, written by every ingest (index/sync.py). The rows are
read from the embedding cache, which holds every vector ever written to Chroma (an
ingest computes all its vectors into the cache first); a vector the cache lacks (a
cache deleted by hand) is read from the vector store by chunk id. A reload after
another write keeps the rows of chunks whose fingerprint did not change, so an upload
reads only its own chunks' vectors.
"""

from __future__ import annotations

import logging

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
        """(row, cosine similarity) of the ``limit`` most similar rows that ``mask`` keeps."""
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
        candidates = None
        if allowed is None:
            scores = self.matrix @ vector
        elif count < _GATHER_SHARE * len(allowed):
            candidates = np.flatnonzero(allowed)
            scores = self.matrix[candidates] @ vector
        else:
            scores = np.where(allowed, self.matrix @ vector, -np.inf)
        limit = min(limit, count)
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top], kind="stable")]
        rows = top if candidates is None else candidates[top]
        return [(int(row), float(score)) for row, score in zip(rows, scores[top], strict=True)]

    @property
    def nbytes(self) -> int:
        return int(self.matrix.nbytes)


def _from_cache(records: list[ChunkRecord], cache: EmbeddingCache, embedder_key: str) -> dict[str, np.ndarray]:
    """chunk id -> cached vector (float32) of the records' embedding texts."""
    if not records:
        return {}
    digests = {record.chunk_id: text_hash(chunk_embedding_text(record.text, record.metadata)) for record in records}
    by_hash = cache.get_arrays(embedder_key, list(set(digests.values())))
    return {chunk_id: by_hash[digest] for chunk_id, digest in digests.items() if digest in by_hash}
