"""Bring the index in line with a set of files: the incremental, repairing ingest.

Order of writes, chosen so that a kill -9 at any point leaves the previous index
searchable and the next run completes the work (tests/index/test_crash_safety.py):

1. every missing vector is computed first (into the embedding cache, one transaction
   per batch), before anything a search reads is touched;
2. vectors for chunk ids the store does not hold yet are added: searches map vector
   hits through the catalogue, so these are invisible until step 3;
3. the catalogue is replaced in one transaction — the moment the new state appears;
4. the vector store is made to match it exactly: vectors of chunks that changed only
   in metadata (same id) are rewritten, vectors the catalogue no longer holds deleted,
   and the state key ``vectors`` records the generation the store now matches;
5. the BM25 index is rebuilt from the catalogue (new folder, atomic pointer switch).

A kill before 3 leaves the old catalogue (the extra vectors are removed by the next
open or run); a kill after 3 leaves the new catalogue, and the knowledge base finishes
step 4 when it next opens (``vectors`` differs from ``generation``) and step 5 too.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import BaseNode, NodeRelationship, RelatedNodeInfo, TextNode
from llama_index.vector_stores.chroma import ChromaVectorStore

from index.catalog import Catalog, ChunkRecord
from index.crash_points import crash_point
from index.embedding_cache import EmbeddingCache, text_hash
from index.vector_store import server_errors, stored_fingerprints
from ingest.chunking import ChunkingOptions
from ingest.documents import FileReport, ParsedDocument
from ingest.indicators import extract_figures, extraction_version
from ingest.loader import DEFAULT_MAX_FILE_BYTES, LoadResult, iter_files, load_documents
from ingest.nodes import chunk_embedding_text, document_nodes, embedding_text
from ingest.practices import extract_practices
from ingest.tokenizer import Tokenizer, vocabulary_version


class Progress(Protocol):
    """Told of each step of a long operation (the CLI's bars, a job's status): the
    stage's Chinese name, how much of it is done and its total, always known (0 when the
    stage has nothing to do, e.g. planning when every file failed: it ends at 0/0)."""

    def __call__(self, stage: str, done: int, total: int, /) -> None: ...


EMBED_BATCH = 16
# Stage of the planning pass: chunking, BM25 tokens and the figure and practice extracts
# of each new or changed document (minutes for a large corpus; it had no bar before).
PLAN_STAGE = "切分与抽取"
# Stages of the vector side, each with a start and an end line in a log (api/cli.py).
EMBED_STAGE = "计算向量"
WRITE_STAGE = "写入向量库"
# Vectors by the hash of their embedding text, float32 (1.5 KB each for the default
# model, against 12 KB as lists of Python floats: 1.6 GB at 100k chunks).
Vectors = dict[str, np.ndarray]
# Report of a file whose document was deleted through the API and is still unchanged.
DELETED_BY_API = "已通过 API 删除（文件内容变化后会重新导入）"
# Report of a file whose document is stored already as it is (a rescan, the same file uploaded again).
UNCHANGED = "内容未变化，沿用已导入的文档"
# State key: the catalogue generation the vector store matches exactly ("" while an
# ingest is writing vectors). Differs from "generation" after an interrupted ingest.
VECTORS_STATE = "vectors"


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

    def as_dict(self) -> dict:
        """The report as plain data (the CLI's --json output, the job API)."""
        summary = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "files"}
        return {
            **summary,
            "errors": len(self.errors),
            "files": [
                {
                    "path": f.path,
                    "status": f.status,
                    "message": f.message,
                    "doc_id": f.doc_id,
                    "field_name": f.field_name,
                    "chunks": f.chunks,
                }
                for f in self.files
            ],
        }


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
    write_batch: int  # vectors per store call (ChromaOptions.write_batch)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES

    def _config_signature(self) -> str:
        return (
            f"{self.embedder_key}|{self.tokenizer.scheme}|{self.chunking.size}|{self.chunking.overlap}"
            f"|v2|words{vocabulary_version()}|figures{extraction_version()}"
        )

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
                    tokens=" ".join(self.tokenizer.document_tokens(bm25_text(node.metadata, node.text))),
                    fingerprint=fingerprint(embedding_text(node), node.metadata),
                )
            )
        return records

    def _plan(self, loaded: LoadResult, roots: list[Path], report: IngestReport, progress: Progress):
        """Decide which documents to (re)write and which to remove; chunk, tokenise and
        extract those to write."""
        known = self.catalog.document_hashes()
        same_config = self.catalog.get_state("config") == self._config_signature()
        upserts: list[tuple[ParsedDocument, list[ChunkRecord], tuple]] = []
        reports = {report_.path: report_ for report_ in loaded.reports}
        # The path as the user gave it, by the resolved source a parsed document records.
        shown = {str(Path(path).resolve()): path for path in reports}
        parsed_sources = {document.source: document.doc_id for document in loaded.documents}
        deleted = self.catalog.deleted_sources()
        # A file named on its own (an upload, ``tanlu ingest FILE``) is wanted again even
        # if its document was deleted; one found by scanning a folder is not.
        named = {str(root) for root in roots if root.is_file()}
        for planned, document in enumerate(loaded.documents):
            progress(PLAN_STAGE, planned, len(loaded.documents))  # before it: done counts documents planned
            if deleted.get(document.source) == document.content_hash and document.source not in named:
                path = shown.get(document.source, document.source)
                reports[path] = FileReport(path, "skipped", DELETED_BY_API, doc_id=document.doc_id)
                continue
            previous = known.get(document.doc_id)
            if previous and previous[0] != document.source and Path(previous[0]).exists():
                path = shown.get(document.source, document.source)
                reports[path] = FileReport(
                    path,
                    "error",
                    f"文档编号 {document.doc_id} 已被 {previous[0]} 使用",
                    field_name="pilot_id",
                )
                continue
            if previous == (document.source, document.content_hash) and same_config:
                report.unchanged += 1
                path = shown.get(document.source, document.source)
                reports[path] = FileReport(path, "ok", UNCHANGED, doc_id=document.doc_id)
                continue
            records = self._records(document)
            # A programme document (scope, no pilot) reports no pilot's figures or practices.
            extracts = ([], []) if document.meta.programme else (extract_figures(document), extract_practices(document))
            upserts.append((document, records, extracts))
            path = shown.get(document.source, document.source)
            reports[path] = FileReport(path, "ok", doc_id=document.doc_id, chunks=len(records))
            if previous:
                report.updated += 1
            else:
                report.added += 1
        progress(PLAN_STAGE, len(loaded.documents), len(loaded.documents))
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

    def _embed(self, texts: list[str], report: IngestReport, progress: Progress) -> Vectors:
        vectors = self.cache.get_many(self.embedder_key, texts)
        missing = list(dict.fromkeys(text for text in texts if text_hash(text) not in vectors))
        report.cache_hits = len(texts) - len(missing)
        if missing:
            progress(EMBED_STAGE, 0, len(missing))  # the stage's start line, before its first (slowest) batch
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start : start + EMBED_BATCH]
            batch_vectors = self.embedder.get_text_embedding_batch(batch)
            self.cache.put_many(self.embedder_key, batch, batch_vectors)
            crash_point("ingest:embed_batch")
            vectors.update(
                (text_hash(text), np.asarray(vector, dtype=np.float32))
                for text, vector in zip(batch, batch_vectors, strict=True)
            )
            report.chunks_embedded += len(batch)
            progress(EMBED_STAGE, report.chunks_embedded, len(missing))
        return vectors

    def _write_vectors(
        self,
        records: list[ChunkRecord],
        vectors: Vectors,
        report: IngestReport,
        progress: Progress,
        total: int,
    ) -> None:
        """Add vectors (already computed, by text hash) to the store in batches."""
        if records:
            progress(WRITE_STAGE, report.vectors_written, total)  # the stage's start line
        for start in range(0, len(records), self.write_batch):
            batch = [
                TextNode(
                    id_=r.chunk_id,
                    text=r.text,
                    metadata={**r.metadata, "fingerprint": r.fingerprint},
                    # llama-index writes the source's id into doc_id/document_id/ref_doc_id
                    # (overwriting ours with "None" when there is no source).
                    relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=r.doc_id)},
                )
                for r in records[start : start + self.write_batch]
            ]
            for node in batch:
                node.embedding = vectors[text_hash(embedding_text(node))].tolist()
            crash_point("ingest:vector_batch")
            nodes: list[BaseNode] = [*batch]  # the store takes any node kind
            with server_errors():
                self.vector_store.add(nodes)
            report.vectors_written += len(batch)
            progress(WRITE_STAGE, report.vectors_written, total)

    def _vectors_for(
        self, records: list[ChunkRecord], vectors: Vectors, report: IngestReport, progress: Progress
    ) -> Vectors:
        """``vectors`` plus those of ``records`` it lacks (from the cache or the embedder)."""
        texts = [_embedding_text(record) for record in records]
        lacking = [text for text in texts if text_hash(text) not in vectors]
        return {**vectors, **self._embed(lacking, report, progress)} if lacking else vectors

    def _match_vectors(
        self,
        desired: dict[str, ChunkRecord],
        stored: dict[str, str],
        vectors: Vectors,
        report: IngestReport,
        progress: Progress,
        total: int,
    ) -> None:
        """Make the store hold exactly ``desired`` (the committed catalogue), then record
        the generation it matches. ``stored`` is chunk id -> fingerprint of the store."""
        stale = [
            chunk_id
            for chunk_id, fp in stored.items()
            if chunk_id not in desired or desired[chunk_id].fingerprint != fp
        ]
        wanted = [record for chunk_id, record in desired.items() if stored.get(chunk_id) != record.fingerprint]
        if stale or wanted:
            self.catalog.set_state(VECTORS_STATE, "")
        if stale:
            with server_errors():
                self.vector_store.delete_nodes(node_ids=stale)
            report.vectors_deleted += len(stale)
        if wanted:
            vectors = self._vectors_for(wanted, vectors, report, progress)
            self._write_vectors(wanted, vectors, report, progress, total or len(wanted))
        generation = self.catalog.get_state("generation")
        if self.catalog.get_state(VECTORS_STATE) != generation:
            self.catalog.set_state(VECTORS_STATE, generation)

    def _stored_fingerprints(self) -> dict[str, str]:
        """chunk id -> fingerprint of what the store holds. While the store is known to
        match the catalogue (``vectors_in_step``), the catalogue says so without reading
        every metadata back from the store: that read took seconds per upload at 100k
        chunks and left the server's memory larger after each. A store changed behind the
        catalogue's back (a count that differs) is repaired when the knowledge base opens."""
        if self.vectors_in_step():
            return self.catalog.fingerprints()
        return stored_fingerprints(self.vector_store)

    def vectors_in_step(self) -> bool:
        """Whether the vector store is known to match the catalogue (no ingest was cut short)."""
        return self.catalog.get_state(VECTORS_STATE) == self.catalog.get_state("generation")

    def repair_vectors(self, progress: Progress | None = None) -> IngestReport:
        """Finish the vector side of an interrupted ingest: add what the catalogue holds
        and the store lacks (from the embedding cache: no model time when it has them),
        rewrite changed ones, delete the rest."""
        report = IngestReport()
        desired = {record.chunk_id: record for record in self.catalog.chunks()}
        self._match_vectors(desired, stored_fingerprints(self.vector_store), {}, report, progress or _no_progress, 0)
        report.chunks_total = len(desired)
        return report

    def run(self, paths: list[Path], progress: Progress | None = None) -> tuple[IngestReport, bool]:
        """Ingest files and folders; returns the report and whether the catalogue changed.

        Documents of the catalogue whose source file lies under ``paths`` and no longer
        exists are removed.
        """
        progress = progress or _no_progress
        total = len(iter_files(paths))  # a second walk of the folders: the bar gets its total
        files_seen = 0
        progress("读取文件", 0, total)

        def on_file(path: Path) -> None:
            nonlocal files_seen
            progress("读取文件", files_seen, total)  # before reading it: done counts files read
            files_seen += 1

        loaded = load_documents(paths, on_file, self.max_file_bytes)
        progress("读取文件", files_seen, total)
        return self.run_loaded(loaded, [path.resolve() for path in paths], progress)

    def run_loaded(
        self, loaded: LoadResult, roots: list[Path], progress: Progress | None = None
    ) -> tuple[IngestReport, bool]:
        """Ingest already parsed documents (the bench feeds passages this way)."""
        progress = progress or _no_progress
        started = time.perf_counter()
        report = IngestReport()
        upserts, removals = self._plan(loaded, roots, report, progress)
        crash_point("ingest:files_read")
        desired = {r.chunk_id: r for r in self.catalog.chunks()}
        changed_docs = {document.doc_id for document, _, _ in upserts} | set(removals)
        desired = {chunk_id: r for chunk_id, r in desired.items() if r.doc_id not in changed_docs}
        for _, records, _ in upserts:
            desired.update({record.chunk_id: record for record in records})
        stored = self._stored_fingerprints()
        wanted = [record for chunk_id, record in desired.items() if stored.get(chunk_id) != record.fingerprint]
        # All model time first: nothing a search reads has been touched yet.
        vectors = self._vectors_for(wanted, {}, report, progress)
        # Ids the store lacks: adding them changes no search (hits are mapped through the
        # catalogue). Same-id vectors (metadata changes) are rewritten after the commit.
        fresh = [record for record in wanted if record.chunk_id not in stored]
        if fresh:
            self.catalog.set_state(VECTORS_STATE, "")
            self._write_vectors(fresh, vectors, report, progress, len(wanted))
            stored.update({record.chunk_id: record.fingerprint for record in fresh})
        changed = bool(upserts or removals) or self.catalog.get_state("config") != self._config_signature()
        if changed:
            self.catalog.apply(
                upserts=upserts,
                removals=removals,
                state={"config": self._config_signature(), "generation": uuid.uuid4().hex},
            )
            crash_point("ingest:catalog_committed")
        self._match_vectors(desired, stored, vectors, report, progress, len(wanted))
        report.chunks_total = len(desired)
        report.seconds = time.perf_counter() - started
        return report, changed

    def delete(self, doc_ids: list[str]) -> int:
        """Remove documents from the catalogue and the vector store; returns how many existed.

        The catalogue goes first, in one transaction, so a deletion is whole the moment
        it is visible; vectors it no longer holds are ignored by searches and removed by
        the next reconciliation should this stop half-way. A document whose source file
        still exists is remembered, so scanning its folder again skips the file until its
        content changes. The vector store counts as in step again only once the vectors
        are gone (and only if it was before).
        """
        known = self.catalog.document_hashes()
        present = [doc_id for doc_id in dict.fromkeys(doc_ids) if doc_id in known]
        if not present:
            return 0
        chunk_ids = [record.chunk_id for doc_id in present for record in self.catalog.chunks(doc_id)]
        remember = [(*known[doc_id], doc_id) for doc_id in present if Path(known[doc_id][0]).exists()]
        in_step = self.vectors_in_step()
        generation = uuid.uuid4().hex
        self.catalog.delete_documents(present, remember=remember, state={"generation": generation})
        if chunk_ids:
            with server_errors():
                self.vector_store.delete_nodes(node_ids=chunk_ids)
        if in_step:
            self.catalog.set_state(VECTORS_STATE, generation)
        return len(present)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def _embedding_text(record: ChunkRecord) -> str:
    """What the embedder sees for a stored chunk (as ``embedding_text`` for its node)."""
    return chunk_embedding_text(record.text, record.metadata)
