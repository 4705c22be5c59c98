"""Bring the index in line with a set of files: the incremental, repairing ingest.

Order of writes, chosen so that a crash at any point leaves a searchable index that
the next run completes: vectors first (the catalogue ignores vectors it does not
hold), then the catalogue in one transaction, then the BM25 index (rebuilt from the
catalogue whenever its generation differs). Every run reconciles the whole vector
store with the catalogue, so work lost to a crash is redone and nothing else is.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.catalog import Catalog, ChunkRecord
from index.embedding_cache import EmbeddingCache, text_hash
from index.vector_store import stored_fingerprints
from ingest.chunking import ChunkingOptions
from ingest.documents import FileReport, ParsedDocument
from ingest.indicators import extract_figures
from ingest.practices import extract_practices
from ingest.loader import DEFAULT_MAX_FILE_BYTES, LoadResult, load_documents
from ingest.nodes import document_nodes, embedding_text
from ingest.tokenizer import Tokenizer

Progress = Callable[[str, int, int], None]

EMBED_BATCH = 16
WRITE_BATCH = 256


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks_total: int = 0
    chunks_embedded: int = 0
    cache_hits: int = 0
    vectors_written: int = 0
    vectors_deleted: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> list[FileReport]:
        return [report for report in self.files if report.status == "error"]


def bm25_text(metadata: dict, text: str) -> str:
    """Text BM25 indexes for a chunk: its title and heading path count as its words too."""
    return " ".join(part for part in (metadata.get("title", ""), metadata.get("heading_path", ""), text) if part)


# Bump when what is written to the vector store changes shape: every vector is then
# rewritten once (from the embedding cache, so no model time).
VECTOR_LAYOUT = "2"


def fingerprint(embed_text: str, metadata: dict) -> str:
    payload = VECTOR_LAYOUT + "\x1f" + embed_text + "\x1f" + json.dumps(metadata, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]


def _is_under(path: Path, roots: list[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


@dataclass
class Ingestor:
    catalog: Catalog
    cache: EmbeddingCache
    embedder: BaseEmbedding
    embedder_key: str
    vector_store: ChromaVectorStore
    tokenizer: Tokenizer
    chunking: ChunkingOptions
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    def _config_signature(self) -> str:
        return f"{self.embedder_key}|{self.tokenizer.scheme}|{self.chunking.size}|{self.chunking.overlap}|v2"

    def _records(self, document: ParsedDocument) -> list[ChunkRecord]:
        records = []
        for position, node in enumerate(document_nodes(document, self.chunking)):
            records.append(
                ChunkRecord(
                    chunk_id=node.node_id,
                    doc_id=document.doc_id,
                    position=position,
                    text=node.text,
                    metadata=node.metadata,
                    tokens=self.tokenizer.document_tokens(bm25_text(node.metadata, node.text)),
                    fingerprint=fingerprint(embedding_text(node), node.metadata),
                )
            )
        return records

    def _plan(self, loaded: LoadResult, roots: list[Path], report: IngestReport):
        """Decide which documents to (re)write and which to remove."""
        known = self.catalog.document_hashes()
        same_config = self.catalog.get_state("config") == self._config_signature()
        upserts: list[tuple[ParsedDocument, list[ChunkRecord], tuple]] = []
        reports = {report_.path: report_ for report_ in loaded.reports}
        # The path as the user gave it, by the resolved source a parsed document records.
        shown = {str(Path(path).resolve()): path for path in reports}
        parsed_sources = {document.source: document.doc_id for document in loaded.documents}
        for document in loaded.documents:
            previous = known.get(document.doc_id)
            if previous and previous[0] != document.source and Path(previous[0]).exists():
                path = shown.get(document.source, document.source)
                reports[path] = FileReport(
                    path, "error",
                    f"文档编号 {document.doc_id} 已被 {previous[0]} 使用", field_name="pilot_id",
                )
                continue
            if previous == (document.source, document.content_hash) and same_config:
                report.unchanged += 1
                continue
            records = self._records(document)
            upserts.append((document, records, (extract_figures(document), extract_practices(document))))
            path = shown.get(document.source, document.source)
            reports[path] = FileReport(path, "ok", doc_id=document.doc_id, chunks=len(records))
            if previous:
                report.updated += 1
            else:
                report.added += 1
        removals = []
        for doc_id, (source, _) in known.items():
            source_path = Path(source)
            if not _is_under(source_path, roots):
                continue
            moved_id = parsed_sources.get(source)
            if not source_path.exists() or (moved_id is not None and moved_id != doc_id):
                removals.append(doc_id)
        report.removed = len(removals)
        report.files = list(reports.values())
        return upserts, removals

    def _embed(self, texts: list[str], report: IngestReport, progress: Progress) -> dict[str, list[float]]:
        vectors = self.cache.get_many(self.embedder_key, texts)
        missing = list(dict.fromkeys(text for text in texts if text_hash(text) not in vectors))
        report.cache_hits = len(texts) - len(missing)
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            batch_vectors = self.embedder.get_text_embedding_batch(batch)
            self.cache.put_many(self.embedder_key, batch, batch_vectors)
            vectors.update({text_hash(text): vector for text, vector in zip(batch, batch_vectors)})
            report.chunks_embedded += len(batch)
            progress("计算向量", report.chunks_embedded, len(missing))
        return vectors

    def _reconcile_vectors(self, desired: dict[str, ChunkRecord], report: IngestReport, progress: Progress) -> None:
        stored = stored_fingerprints(self.vector_store)
        stale = [chunk_id for chunk_id, fp in stored.items() if chunk_id not in desired or desired[chunk_id].fingerprint != fp]
        wanted = [record for chunk_id, record in desired.items() if stored.get(chunk_id) != record.fingerprint]
        if stale:
            self.vector_store.delete_nodes(node_ids=stale)
            report.vectors_deleted = len(stale)
        nodes = [
            TextNode(
                id_=r.chunk_id,
                text=r.text,
                metadata={**r.metadata, "fingerprint": r.fingerprint},
                # llama-index writes the source's id into doc_id/document_id/ref_doc_id
                # (overwriting ours with "None" when there is no source).
                relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=r.doc_id)},
            )
            for r in wanted
        ]
        texts = [embedding_text(node) for node in nodes]
        vectors = self._embed(texts, report, progress)
        for start in range(0, len(nodes), WRITE_BATCH):
            batch = nodes[start : start + WRITE_BATCH]
            for node, text in zip(batch, texts[start : start + WRITE_BATCH]):
                node.embedding = vectors[text_hash(text)]
            self.vector_store.add(batch)
            report.vectors_written += len(batch)
            progress("写入向量库", report.vectors_written, len(nodes))

    def run(self, paths: list[Path], progress: Progress | None = None) -> tuple[IngestReport, bool]:
        """Ingest files and folders; returns the report and whether the catalogue changed.

        Documents of the catalogue whose source file lies under ``paths`` and no longer
        exists are removed.
        """
        progress = progress or _no_progress
        files_seen = 0

        def on_file(path: Path) -> None:
            nonlocal files_seen
            files_seen += 1
            progress("读取文件", files_seen, 0)

        loaded = load_documents(paths, on_file, self.max_file_bytes)
        return self.run_loaded(loaded, [path.resolve() for path in paths], progress)

    def run_loaded(
        self, loaded: LoadResult, roots: list[Path], progress: Progress | None = None
    ) -> tuple[IngestReport, bool]:
        """Ingest already parsed documents (the bench feeds passages this way)."""
        progress = progress or _no_progress
        started = time.perf_counter()
        report = IngestReport()
        upserts, removals = self._plan(loaded, roots, report)
        desired = {r.chunk_id: r for r in self.catalog.chunks()}
        changed_docs = {document.doc_id for document, _, _ in upserts} | set(removals)
        desired = {chunk_id: r for chunk_id, r in desired.items() if r.doc_id not in changed_docs}
        for _, records, _ in upserts:
            desired.update({record.chunk_id: record for record in records})
        self._reconcile_vectors(desired, report, progress)
        changed = bool(upserts or removals) or self.catalog.get_state("config") != self._config_signature()
        if changed:
            self.catalog.apply(
                upserts=upserts,
                removals=removals,
                state={"config": self._config_signature(), "generation": uuid.uuid4().hex},
            )
        report.chunks_total = len(desired)
        report.seconds = time.perf_counter() - started
        return report, changed


def _no_progress(stage: str, done: int, total: int) -> None:
    return None

