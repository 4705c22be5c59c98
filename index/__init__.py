"""Embeddings, vector store, BM25 and hybrid retrieval over ingested documents.

Public surface: ``KnowledgeBase`` and its configuration objects, ``SearchFilters``.
"""

from index.config import ChromaOptions, EmbedderSpec, FusionOptions, IndexConfig
from index.filters import FilterError, SearchFilters
from index.hybrid import ScoredChunk
from index.knowledge_base import KnowledgeBase
from index.sync import IngestReport, Progress

__all__ = [
    "ChromaOptions",
    "EmbedderSpec",
    "FilterError",
    "FusionOptions",
    "IndexConfig",
    "IngestReport",
    "KnowledgeBase",
    "Progress",
    "ScoredChunk",
    "SearchFilters",
]
