"""Hybrid retrieval: BM25 and dense, each filtered first, fused by score or rank.

``HybridRetriever`` is a llama-index ``BaseRetriever`` (``retrieve("…")`` gives
``NodeWithScore``), and its ``search`` method gives the richer ``ScoredChunk`` with
each side's score, which the API shows and the bench measures.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode
from llama_index.core.vector_stores.types import BasePydanticVectorStore
from numpy.typing import ArrayLike

from index.bm25_index import Bm25Index
from index.catalog import ChunkRecord
from index.chunk_table import ChunkTable
from index.chunk_vectors import ChunkVectors
from index.config import DEFAULT_TOP_K, SEARCH_MODES, FusionOptions, SearchMode
from index.embedders import kept_query_vector, query_vector
from index.filters import SearchFilters
from index.fusion import reciprocal_rank_fusion, weighted_fusion
from index.vector_store import nearest
from ingest.tokenizer import Tokenizer

# Threads that run searches' BM25 sides (and their callers' ``meanwhile``) while their
# query embeddings are computed; the sides are short and hold the GIL, so a few threads
# serve any number of searches.
_BM25_SIDE = ThreadPoolExecutor(max_workers=4, thread_name_prefix="tanlu-bm25")


@dataclass(frozen=True)
class ScoredChunk:
    record: ChunkRecord
    score: float
    bm25_score: float | None
    dense_score: float | None


class HybridRetriever(BaseRetriever):
    def __init__(
        self,
        *,
        table: ChunkTable,
        bm25: Bm25Index,
        vector_store: BasePydanticVectorStore,
        embedder: BaseEmbedding,
        tokenizer: Tokenizer,
        fusion: FusionOptions,
        top_k: int = DEFAULT_TOP_K,
        vectors: ChunkVectors | None = None,
    ) -> None:
        """``vectors``: the table's chunk vectors in memory (index/chunk_vectors.py); the
        dense side then never asks the vector store. Without, it queries the store."""
        super().__init__()
        self.table = table
        self.bm25 = bm25
        self.vector_store = vector_store
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.fusion = fusion
        self.top_k = top_k
        self.vectors = vectors

    # -- the two sides -----------------------------------------------------------
    def bm25_candidates(self, query: str, filters: SearchFilters, limit: int) -> dict[str, float]:
        scores = self.bm25.scores(self.tokenizer.query_tokens(query))
        if scores.size == 0:
            return {}
        mask = self.table.mask(filters)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        limit = min(limit, scores.size)
        top = np.argpartition(-scores, limit - 1)[:limit]
        top = top[np.argsort(-scores[top])]
        return {self.bm25.chunk_ids[row]: float(scores[row]) for row in top if scores[row] > 0}

    def dense_candidates(
        self, query: str, filters: SearchFilters, limit: int, vector: ArrayLike | None = None
    ) -> dict[str, float]:
        if not len(self.table):
            return {}
        embedding = vector if vector is not None else query_vector(self.embedder, query)
        if self.vectors is not None:
            records = self.table.records
            return {
                records[row].chunk_id: similarity
                for row, similarity in self.vectors.nearest(embedding, self.table.mask(filters), limit)
            }
        hits = nearest(self.vector_store, embedding, limit, filters.to_metadata_filters())
        # Vectors the catalogue does not hold (an interrupted ingest) are ignored.
        candidates = {chunk_id: similarity for chunk_id, similarity in hits if chunk_id in self.table.row_of}
        return candidates

    # -- fusion ------------------------------------------------------------------
    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        top_k: int | None = None,
        mode: SearchMode = "hybrid",
        *,
        vector: ArrayLike | None = None,
        reading: Callable[[], str] | None = None,
    ) -> list[ScoredChunk]:
        """``vector``: the query's embedding when the caller has it already (an answer
        searches one question several times, with other filters). ``reading``: the text
        searched for ``query`` (KnowledgeBase.understand corrects typos), when the
        caller has not worked it out yet; with the caller's other work that needs it (the
        API's highlight terms), it runs beside the query's forward pass when there is
        one, and is done, its errors raised, when the search returns."""
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown retrieval mode {mode!r}")
        filters = filters or SearchFilters()
        if filters.matches_nothing():
            if reading is not None:
                reading()  # done when the search returns, found or not
            return []
        top_k = top_k or self.top_k
        limit = max(self.fusion.candidates, top_k)
        bm25, dense = self._sides(query, filters, limit, mode, vector, reading)
        if mode == "bm25":
            fused = bm25
        elif mode == "dense":
            fused = dense
        elif self.fusion.method == "rrf":
            fused = reciprocal_rank_fusion(
                [sorted(bm25, key=bm25.__getitem__, reverse=True), sorted(dense, key=dense.__getitem__, reverse=True)],
                self.fusion.rrf_k,
            )
        else:
            fused = weighted_fusion(bm25, dense, self.fusion.bm25_weight)
        ranked = sorted(fused.items(), key=lambda item: item[1], reverse=True)[:top_k]
        return [
            ScoredChunk(self.table.records[self.table.row_of[chunk_id]], score, bm25.get(chunk_id), dense.get(chunk_id))
            for chunk_id, score in ranked
        ]

    def _sides(
        self,
        query: str,
        filters: SearchFilters,
        limit: int,
        mode: SearchMode,
        vector: ArrayLike | None,
        reading: Callable[[], str] | None,
    ) -> tuple[dict[str, float], dict[str, float]]:
        """(BM25, dense) candidates. When the query's forward pass is ahead, ``reading``
        and the BM25 side run on a helper thread during it: the pass (~16 ms on one core)
        releases the GIL, and what runs after it runs slower, on caches the model's
        weights have flushed (BM25 ~0.7 ms, the reading ~0.4 ms in a server). The pass
        starts on ``query`` at once; in the rare case that the reading differs (a typo
        corrected), the reading is embedded after it."""
        pass_ahead = mode == "hybrid" and vector is None and len(self.table) > 0
        if pass_ahead and kept_query_vector(self.embedder, query) is None:
            beside = _BM25_SIDE.submit(self._beside_the_pass, query, filters, limit, reading)
            ahead = query_vector(self.embedder, query)
            text, bm25 = beside.result()
            return bm25, self.dense_candidates(text, filters, limit, ahead if text == query else None)
        text = reading() if reading is not None else query
        bm25 = self.bm25_candidates(text, filters, limit) if mode != "dense" else {}
        dense = self.dense_candidates(text, filters, limit, vector) if mode != "bm25" else {}
        return bm25, dense

    def _beside_the_pass(
        self, query: str, filters: SearchFilters, limit: int, reading: Callable[[], str] | None
    ) -> tuple[str, dict[str, float]]:
        """(the text searched, its BM25 candidates)."""
        text = reading() if reading is not None else query
        return text, self.bm25_candidates(text, filters, limit)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return [
            NodeWithScore(
                node=TextNode(id_=hit.record.chunk_id, text=hit.record.text, metadata=hit.record.metadata),
                score=hit.score,
            )
            for hit in self.search(query_bundle.query_str)
        ]
