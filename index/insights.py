"""Corpus-level views rebuilt once per catalogue generation: the merged practice
catalogue, figures over time, and pilot similarity."""

from __future__ import annotations

import numpy as np
from llama_index.core.schema import TextNode

from index.catalog import Catalog
from index.chunk_table import ChunkTable
from index.embedding_cache import EmbeddingCache, text_hash
from index.practice_catalog import PracticeCatalog
from index.similar_pilots import PilotSimilarity
from ingest.documents import within_section
from ingest.extracted import Practice
from ingest.nodes import embedding_text


class Insights:
    def __init__(
        self, catalog: Catalog, table: ChunkTable, cache: EmbeddingCache, embedder_key: str, pilots: list[dict]
    ):
        doc_meta = {doc.doc_id: doc.meta for doc in catalog.documents()}
        self.practices = PracticeCatalog(catalog.extracts(), doc_meta)
        vectors = practice_vectors(self.practices.practices, table, cache, embedder_key)
        self.similarity = PilotSimilarity(pilots, self.practices.practices, vectors)


def practice_vectors(
    practices: list[Practice], table: ChunkTable, cache: EmbeddingCache, embedder_key: str
) -> dict[str, np.ndarray]:
    """Mean vector of each practice's source chunks, from the embedding cache."""
    chunks_by_doc: dict[str, list] = {}
    for record in table.records:
        chunks_by_doc.setdefault(record.doc_id, []).append(record)
    texts_of: dict[str, list[str]] = {}
    for practice in practices:
        texts = []
        for source in practice.sources:
            for record in chunks_by_doc.get(source.doc_id, []):
                if within_section(record.metadata.get("heading_path", ""), source.heading_path):
                    texts.append(embedding_text(TextNode(text=record.text, metadata=record.metadata)))
        texts_of[practice.practice_id] = texts
    cached = cache.get_many(embedder_key, [text for texts in texts_of.values() for text in texts])
    vectors = {}
    for practice_id, texts in texts_of.items():
        found = [cached[text_hash(text)] for text in texts if text_hash(text) in cached]
        if found:
            vectors[practice_id] = np.mean(np.asarray(found, dtype=np.float32), axis=0)
    return vectors
