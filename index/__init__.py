"""Embeddings, vector store, BM25 and hybrid retrieval over ingested documents.

Public surface: ``KnowledgeBase`` and its configuration objects, ``SearchFilters``.

Loaded on first use (PEP 562): importing a light module of the package
(``index.config``) must not load the knowledge base with llama-index and Chroma,
which ``tanlu --help``, ``tanlu tokens`` and the ``--workers`` supervisor never use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'index' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names (loaded or not) and the module's own dunders."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
