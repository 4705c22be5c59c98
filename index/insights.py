"""Corpus-level views rebuilt once per catalogue generation: the merged practice
catalogue, figures over time, pilot similarity, and targets with their progress."""

from __future__ import annotations

import numpy as np
from llama_index.core.schema import TextNode

from index.catalog import Catalog, ChunkRecord
from index.chunk_table import ChunkTable
from index.embedding_cache import EmbeddingCache, text_hash
from index.practice_catalog import PracticeCatalog
from index.progress import ProgrammeProgress
from index.similar_pilots import PilotSimilarity
from ingest.documents import within_section
from ingest.extracted import Practice
from ingest.matching_form import fold
from ingest.nodes import embedding_text


class Insights:
    def __init__(
        self, catalog: Catalog, table: ChunkTable, cache: EmbeddingCache, embedder_key: str, pilots: list[dict]
    ):
        doc_meta = {doc.doc_id: doc.meta for doc in catalog.documents()}
        self.practices = PracticeCatalog(catalog.extracts(), doc_meta)
        self.practice_chunks = practice_chunks(self.practices.practices, table)
        self.practice_texts = {
            practice.practice_id: practice_text(practice, self.practice_chunks[practice.practice_id])
            for practice in self.practices.practices
        }
        vectors = practice_vectors(self.practice_chunks, cache, embedder_key)
        self.similarity = PilotSimilarity(pilots, self.practices.practices, vectors)
        self.progress = ProgrammeProgress(
            catalog.documents(), self.practices.figures_by_doc, self.practices.practices, self.practice_texts, table
        )


def practice_chunks(practices: list[Practice], table: ChunkTable) -> dict[str, list[ChunkRecord]]:
    """The chunks of each practice's source sections, source by source, in document order."""
    chunks: dict[str, list[ChunkRecord]] = {}
    for practice in practices:
        found = []
        for source in practice.sources:
            for record in table.records_of(source.doc_id):
                if within_section(record.metadata.get("heading_path", ""), source.heading_path):
                    found.append(record)
        chunks[practice.practice_id] = found
    return chunks


def practice_text(practice: Practice, chunks: list[ChunkRecord]) -> str:
    """Everything a practice's sources say, in matching form and lower case, for
    checking which question words it covers."""
    parts = [practice.title, practice.description]
    for record in chunks:
        parts.append(record.metadata.get("heading_path", ""))
        parts.append(record.text)
    return fold("\n".join(parts)).lower()


def practice_vectors(
    chunks: dict[str, list[ChunkRecord]], cache: EmbeddingCache, embedder_key: str
) -> dict[str, np.ndarray]:
    """Mean vector of each practice's source chunks, from the embedding cache."""
    texts_of = {
        practice_id: [embedding_text(TextNode(text=r.text, metadata=r.metadata)) for r in records]
        for practice_id, records in chunks.items()
    }
    cached = cache.get_many(embedder_key, [text for texts in texts_of.values() for text in texts])
    vectors = {}
    for practice_id, texts in texts_of.items():
        found = [cached[text_hash(text)] for text in texts if text_hash(text) in cached]
        if found:
            vectors[practice_id] = np.mean(np.asarray(found, dtype=np.float32), axis=0)
    return vectors
