"""Chroma behind llama-index's vector store interface.

Embedded (persistent on disk) by default; a Chroma server (``chroma run``) for a shared
deployment. Everything else in TanLu talks to the returned ``ChromaVectorStore`` through
llama-index's ``BasePydanticVectorStore`` methods (add, delete_nodes, query), so another
engine can replace it. The collection is created with explicit embeddings only: Chroma
is never allowed to embed by itself (that would download a model).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import chromadb
from chromadb.config import Settings as ChromaSettings
from llama_index.core.vector_stores import MetadataFilters, VectorStoreQuery
from llama_index.core.vector_stores.types import BasePydanticVectorStore
from llama_index.vector_stores.chroma import ChromaVectorStore
from llama_index.vector_stores.chroma.base import _to_chroma_filter

from index.config import ChromaOptions


class VectorStoreError(RuntimeError):
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
            raise VectorStoreError(f"无法连接 Chroma 服务 {options.host}:{options.port}：{error}") from error
    raise VectorStoreError(f"未知的 Chroma 模式：{options.mode}（可选 embedded、http）")


def open_vector_store(client: chromadb.ClientAPI, name: str) -> ChromaVectorStore:
    collection = client.get_or_create_collection(
        name, metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    return ChromaVectorStore(chroma_collection=collection)


def stored_fingerprints(store: ChromaVectorStore) -> dict[str, str]:
    """chunk id -> fingerprint of everything the store holds (for reconciliation)."""
    collection = store.client
    result: dict[str, str] = {}
    offset, page = 0, 5000
    while True:
        batch = collection.get(include=["metadatas"], limit=page, offset=offset)
        for chunk_id, metadata in zip(batch["ids"], batch["metadatas"]):
            result[chunk_id] = str((metadata or {}).get("fingerprint", ""))
        if len(batch["ids"]) < page:
            return result
        offset += page


def nearest(
    store: BasePydanticVectorStore, embedding: list[float], limit: int, filters: MetadataFilters | None
) -> list[tuple[str, float]]:
    """(chunk id, cosine similarity) of the nearest vectors, filters applied first.

    For Chroma only distances are fetched: text and metadata come from the catalogue,
    and asking Chroma for them costs ~4 ms per query (measured) against <1 ms. Any
    other llama-index vector store goes through the generic ``query``.
    """
    if isinstance(store, ChromaVectorStore):
        where = _to_chroma_filter(filters) if filters else None
        result = store.client.query(
            query_embeddings=[embedding], n_results=limit, include=["distances"], **({"where": where} if where else {})
        )
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in zip(result["ids"][0], result["distances"][0])]
    result = store.query(VectorStoreQuery(query_embedding=embedding, similarity_top_k=limit, filters=filters))
    return list(zip(result.ids or [], (float(s) for s in result.similarities or [])))
