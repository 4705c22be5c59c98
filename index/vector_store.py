"""Chroma behind llama-index's vector store interface.

Embedded (persistent on disk) by default; a Chroma server (``chroma run``) for a shared
deployment. Everything else in TanLu talks to the returned ``ChromaVectorStore`` through
llama-index's ``BasePydanticVectorStore`` methods (add, delete_nodes, query), so another
engine can replace it. The collection is created with explicit embeddings only: Chroma
is never allowed to embed by itself (that would download a model).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import chromadb
import httpx
import numpy as np
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError
from llama_index.core.vector_stores import MetadataFilters, VectorStoreQuery
from llama_index.core.vector_stores.types import BasePydanticVectorStore
from llama_index.vector_stores.chroma import ChromaVectorStore
from llama_index.vector_stores.chroma.base import _to_chroma_filter
from numpy.typing import ArrayLike

from index.config import ChromaOptions
from ingest.errors import ServiceError

logger = logging.getLogger("tanlu.index")


class VectorStoreError(ServiceError, RuntimeError):
    """The vector store cannot be reached or opened."""


def collection_name(options: ChromaOptions, embedder_key: str) -> str:
    """One collection per embedder: switching models never mixes vector spaces."""
    return f"{options.collection_prefix}_{hashlib.sha1(embedder_key.encode()).hexdigest()[:12]}"


def open_client(options: ChromaOptions, data_dir: Path) -> chromadb.ClientAPI:
    settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if options.mode == "embedded":
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=settings)
    if options.mode == "http":
        os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
        try:
            return chromadb.HttpClient(host=options.host, port=options.port, settings=settings)
        except Exception as error:  # chromadb raises plain exceptions on connection failure
            raise VectorStoreError(
                f"无法连接 Chroma 服务 {options.host}:{options.port}：请先用 chroma run --path <目录> --host "
                f"{options.host} --port {options.port} 启动它，或检查 TANLU_CHROMA_HOST、TANLU_CHROMA_PORT（{error}）"
            ) from error
    raise VectorStoreError(f"未知的 Chroma 模式：{options.mode}（可选 embedded、http）")


def reopen_client(options: ChromaOptions, data_dir: Path) -> chromadb.ClientAPI:
    """A client that sees what other processes wrote since this one opened the store.

    Embedded Chroma keeps each collection's HNSW graph in memory: counts come from its
    SQLite file and follow other processes' writes, but queries do not (measured with
    chromadb 1.5: a second process's vectors stay unfindable until the client is made
    anew). Chroma shares one system per path in the process; it is dropped from that
    registry without being stopped, so searches still running on the old collection
    finish on it, and it is freed when they let go of it. A Chroma server needs none of
    this: every process asks the same server.
    """
    if options.mode == "embedded":
        from chromadb.api.shared_system_client import SharedSystemClient

        identifier = str(data_dir / "chroma")
        SharedSystemClient._identifier_to_system.pop(identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    return open_client(options, data_dir)


def open_vector_store(client: chromadb.ClientAPI, name: str, *, rebuild_unreadable: bool = False) -> ChromaVectorStore:
    """The collection behind llama-index's interface.

    With ``rebuild_unreadable`` (embedded mode) a collection that cannot be read is
    dropped and created empty: embedded Chroma saves its HNSW files and their id map
    separately, and a kill during that save can leave them torn. The vectors are derived
    data — the knowledge base puts them back from the catalogue and the embedding cache.
    """
    collection = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    if rebuild_unreadable and not _readable(collection):
        logger.warning(
            "向量库集合 %s 无法读取（上次写入可能被中断），已重建为空集合，向量将从目录库与向量缓存恢复", name
        )
        client.delete_collection(name)
        collection = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    return ChromaVectorStore(chroma_collection=collection)


def _readable(collection: chromadb.Collection, tries: int = 2) -> bool:
    """Whether the collection answers a query for all its vectors.

    Kills during Chroma's HNSW save were seen to leave (chromadb 1.5) a collection whose
    first read fails once (Chroma then replays its log: hence the retry), or a graph and
    id map saved at different times: counts and small queries work, but a query reaching
    a vector the map lacks fails ("Error finding id"). Only a query over every vector
    finds that; it costs ~70 ms for 27k vectors, once per open.
    """
    for _ in range(tries):
        try:
            count = collection.count()
            if count:
                embeddings = collection.get(limit=1, include=["embeddings"])["embeddings"]
                if embeddings is not None and len(embeddings):
                    collection.query(query_embeddings=embeddings[:1], n_results=count, include=[])
            return True
        except ChromaError as error:
            logger.warning("读取向量库集合 %s 失败：%s", collection.name, error)
    return False


@contextmanager
def server_errors() -> Iterator[None]:
    """A Chroma server that went away mid-run: a Chinese error instead of an httpx traceback."""
    try:
        yield
    except httpx.TransportError as error:
        raise VectorStoreError(f"Chroma 服务无法访问，请确认 chroma run 仍在运行（{error}）") from error


def stored_fingerprints(store: ChromaVectorStore) -> dict[str, str]:
    """chunk id -> fingerprint of everything the store holds (for reconciliation)."""
    collection = store.client
    result: dict[str, str] = {}
    offset, page = 0, 5000
    while True:
        with server_errors():
            batch = collection.get(include=["metadatas"], limit=page, offset=offset)
        for chunk_id, metadata in zip(batch["ids"], batch["metadatas"], strict=True):
            result[chunk_id] = str((metadata or {}).get("fingerprint", ""))
        if len(batch["ids"]) < page:
            return result
        offset += page


def stored_vectors(store: BasePydanticVectorStore, chunk_ids: list[str]) -> dict[str, np.ndarray]:
    """chunk id -> vector the store holds, for those of ``chunk_ids`` it has (Chroma only)."""
    if not isinstance(store, ChromaVectorStore):
        return {}
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(chunk_ids), 5000):
        with server_errors():
            batch = store.client.get(ids=chunk_ids[start : start + 5000], include=["embeddings"])
        embeddings = batch["embeddings"]
        if embeddings is None:
            continue
        for chunk_id, vector in zip(batch["ids"], embeddings, strict=True):
            found[chunk_id] = np.asarray(vector, dtype=np.float32)
    return found


def nearest(
    store: BasePydanticVectorStore, embedding: ArrayLike, limit: int, filters: MetadataFilters | None
) -> list[tuple[str, float]]:
    """(chunk id, cosine similarity) of the nearest vectors, filters applied first.

    For Chroma only distances are fetched: text and metadata come from the catalogue,
    and asking Chroma for them costs ~4 ms per query (measured) against <1 ms. Any
    other llama-index vector store goes through the generic ``query``.
    """
    values: list[float] = np.asarray(embedding, dtype=np.float64).tolist()  # plain floats, as both clients take
    if isinstance(store, ChromaVectorStore):
        where = _to_chroma_filter(filters) if filters else None
        with server_errors():
            result = store.client.query(
                query_embeddings=[values],
                n_results=limit,
                include=["distances"],
                **({"where": where} if where else {}),
            )
        pairs = zip(result["ids"][0], result["distances"][0], strict=True)
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in pairs]
    result = store.query(VectorStoreQuery(query_embedding=values, similarity_top_k=limit, filters=filters))
    return list(zip(result.ids or [], (float(s) for s in result.similarities or []), strict=False))
