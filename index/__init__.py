"""Embeddings, vector store, BM25 and hybrid retrieval over ingested documents.

Public surface: ``KnowledgeBase`` and its configuration objects, ``SearchFilters``.

Names load on first use (index/lazy_exports.py): importing a light module of the package
(``index.config``) must not load the knowledge base with llama-index and Chroma,
which ``tanlu --help``, ``tanlu tokens`` and the ``--workers`` supervisor never use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from index.config import ChromaOptions, EmbedderSpec, FusionOptions, IndexConfig
    from index.filters import FilterError, SearchFilters
    from index.hybrid import ScoredChunk
    from index.knowledge_base import KnowledgeBase
    from index.sync import IngestReport, Progress

# name -> the module that defines it
_HOMES = {
    "ChromaOptions": "index.config",
    "EmbedderSpec": "index.config",
    "FusionOptions": "index.config",
    "IndexConfig": "index.config",
    "FilterError": "index.filters",
    "SearchFilters": "index.filters",
    "ScoredChunk": "index.hybrid",
    "KnowledgeBase": "index.knowledge_base",
    "IngestReport": "index.sync",
    "Progress": "index.sync",
}

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


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())
