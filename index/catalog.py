"""The catalogue: which documents and chunks the knowledge base holds, in SQLite.

It is the source of truth for *what* is indexed. The vector store and the BM25 index
are derived from it and reconciled with it on every ingest, so a half-finished ingest
is repaired by the next one. One transaction per ingest batch.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.extract_codec import dump_extracts, load_figures, load_practices
from index.sqlite_connections import ThreadConnections
from ingest.documents import ParsedDocument
from ingest.extracted import Figure, Practice

# The catalogue's file in the data folder.
CATALOG_FILE = "catalog.sqlite"


def pilot_ids(data_dir: Path) -> list[str]:
    """The pilots the data folder holds documents of, read without opening a Catalog
    (which creates its file and tables) or the model: ``tanlu tokens add`` asks, and may
    run before the first ingest. Empty when there is no catalogue or it cannot be read
    (the question is only advisory)."""
    path = data_dir / CATALOG_FILE
    if not path.exists():
        return []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = db.execute(
                "SELECT DISTINCT json_extract(meta, '$.pilot_id') AS pilot_id FROM documents"
                " WHERE coalesce(pilot_id, '') != '' ORDER BY pilot_id"
            ).fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []
    return [row[0] for row in rows]


_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    sections TEXT NOT NULL,
    char_count INTEGER NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    metadata TEXT NOT NULL,
    tokens TEXT NOT NULL,
    fingerprint TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, position);
CREATE TABLE IF NOT EXISTS extracts (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    figures TEXT NOT NULL,
    practices TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Files whose document was deleted through the API while the file stayed (a corpus
-- file is the user's, not ours to delete): a folder scan skips the file while its
-- content is unchanged. Ingesting the source again clears the row.
CREATE TABLE IF NOT EXISTS deleted_sources (
    source TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    deleted_at TEXT NOT NULL DEFAULT (datetime('now'))
);
"""

_DOCUMENT_COLUMNS = "doc_id, source, content_hash, meta, sections, char_count, ingested_at"


@dataclass(frozen=True)
class ChunkRecord:
    chunk_id: str
    doc_id: str
    position: int
    text: str
    metadata: dict[str, Any]
    # BM25 tokens joined by spaces, as stored: one string, not a list (an ingest holds every
    # new chunk's ~450 tokens until its commit: 37 KB per chunk as separate strings);
    # "" when not read (Catalog.chunks says when they are).
    tokens: str
    fingerprint: str


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    source: str
    content_hash: str
    meta: dict[str, Any]
    sections: list[dict[str, Any]]
    char_count: int
    ingested_at: str


class Catalog:
    def __init__(self, path: Path) -> None:
        self._connections = ThreadConnections(path, _SCHEMA)
        self._metas: tuple[str | None, list[tuple[str, dict[str, Any]]]] | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        return self._connections.get()

    # -- state ---------------------------------------------------------------
    def get_state(self, key: str, default: str = "") -> str:
        row = self._db.execute("SELECT value FROM state WHERE key = ?", [key]).fetchone()
        return row[0] if row else default

    def set_state(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", [key, value])

    def chunk_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    # -- reads ---------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        rows = self._db.execute(f"SELECT {_DOCUMENT_COLUMNS} FROM documents ORDER BY doc_id")
        return [self._document(row) for row in rows]

    def metas(self) -> list[tuple[str, dict[str, Any]]]:
        """(doc_id, metadata) of every document, in doc_id order, kept until the next
        write: the pilot list and the programme's documents are asked for several times
        by every /ask, and ``documents()`` parses each document's sections too (was 40%
        of what an answer cost). Read-only: the same dicts go to every caller."""
        generation = self.get_state("generation")  # before the rows: a write in between only makes them newer
        kept = self._metas
        if kept is None or kept[0] != generation:
            rows = self._db.execute("SELECT doc_id, meta FROM documents ORDER BY doc_id")
            kept = (generation, [(row[0], json.loads(row[1])) for row in rows])
            self._metas = kept
        return kept[1]

    def document(self, doc_id: str) -> DocumentRecord | None:
        row = self._db.execute(
            f"SELECT {_DOCUMENT_COLUMNS} FROM documents WHERE doc_id = ?",
            [doc_id],
        ).fetchone()
        return self._document(row) if row else None

    def chunks(self, doc_id: str | None = None, *, with_tokens: bool = False) -> list[ChunkRecord]:
        """Chunks in document order. Their BM25 tokens (``with_tokens``) are read only to
        build the BM25 index: kept on every record in memory they were the largest part
        of the server's memory (issue 13: ~40 Python strings per chunk)."""
        tokens = "tokens" if with_tokens else "''"
        query = f"SELECT chunk_id, doc_id, position, text, metadata, {tokens}, fingerprint FROM chunks"
        if doc_id is None:
            rows = self._db.execute(query + " ORDER BY doc_id, position")
        else:
            rows = self._db.execute(query + " WHERE doc_id = ? ORDER BY position", [doc_id])
        return [ChunkRecord(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5], row[6]) for row in rows]

    def snapshot(
        self, state_keys: tuple[str, ...], *, with_tokens: bool = False
    ) -> tuple[tuple[str, ...], list[ChunkRecord]]:
        """State values and every chunk, read in one transaction: the chunks are exactly
        those of the generation the state names, even while another process commits."""
        db = self._db
        db.execute("BEGIN")
        try:
            marks = tuple(self.get_state(key) for key in state_keys)
            return marks, self.chunks(with_tokens=with_tokens)
        finally:
            db.execute("COMMIT")

    def chunk_tokens(self, state_key: str) -> tuple[str, list[str], list[str]]:
        """A state value with every chunk's id and stored BM25 tokens, read in one
        transaction: all that building the BM25 index needs (no text, no metadata)."""
        db = self._db
        db.execute("BEGIN")
        try:
            value = self.get_state(state_key)
            rows = db.execute("SELECT chunk_id, tokens FROM chunks ORDER BY doc_id, position").fetchall()
        finally:
            db.execute("COMMIT")
        return value, [row[0] for row in rows], [row[1] for row in rows]

    def fingerprints(self) -> dict[str, str]:
        return dict(self._db.execute("SELECT chunk_id, fingerprint FROM chunks"))

    def document_hashes(self) -> dict[str, tuple[str, str]]:
        """doc_id -> (source, content hash)."""
        return {
            row[0]: (row[1], row[2]) for row in self._db.execute("SELECT doc_id, source, content_hash FROM documents")
        }

    def deleted_sources(self) -> dict[str, str]:
        """source -> content hash of files whose document was deleted through the API."""
        return dict(self._db.execute("SELECT source, content_hash FROM deleted_sources"))

    def extracts(self) -> dict[str, tuple[list[Figure], list[Practice]]]:
        """doc_id -> (figures, practices) extracted at ingest."""
        rows = self._db.execute("SELECT doc_id, figures, practices FROM extracts ORDER BY doc_id")
        return {row[0]: (load_figures(row[1]), load_practices(row[2])) for row in rows}

    @staticmethod
    def _document(row: tuple) -> DocumentRecord:
        return DocumentRecord(row[0], row[1], row[2], json.loads(row[3]), json.loads(row[4]), row[5], row[6])

    # -- writes (one transaction per batch) -----------------------------------
    def apply(
        self,
        *,
        upserts: Iterable[tuple[ParsedDocument, list[ChunkRecord], tuple[list[Figure], list[Practice]]]],
        removals: Iterable[str],
        state: dict[str, str] | None = None,
    ) -> None:
        with self._db:
            for doc_id in removals:
                self._remove(doc_id)
            for document, chunks, (figures, practices) in upserts:
                self._db.execute("DELETE FROM chunks WHERE doc_id = ?", [document.doc_id])
                self._db.execute("DELETE FROM deleted_sources WHERE source = ?", [document.source])
                sections = [
                    {"heading_path": list(s.heading_path), "text": s.text, **({"page": s.pages[0]} if s.pages else {})}
                    for s in document.sections
                ]
                self._db.execute(
                    "INSERT OR REPLACE INTO documents (doc_id, source, content_hash, meta, sections, char_count)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        document.doc_id,
                        document.source,
                        document.content_hash,
                        json.dumps(document.meta.as_dict(), ensure_ascii=False),
                        json.dumps(sections, ensure_ascii=False),
                        document.char_count,
                    ],
                )
                # After the document row: replacing it cascades a delete to its extracts.
                self._db.execute(
                    "INSERT OR REPLACE INTO extracts VALUES (?, ?, ?)",
                    [document.doc_id, *dump_extracts(figures, practices)],
                )
                self._db.executemany(
                    "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            chunk.chunk_id,
                            chunk.doc_id,
                            chunk.position,
                            chunk.text,
                            json.dumps(chunk.metadata, ensure_ascii=False),
                            chunk.tokens,
                            chunk.fingerprint,
                        )
                        for chunk in chunks
                    ],
                )
            for key, value in (state or {}).items():
                self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", [key, value])

    def delete_documents(
        self,
        doc_ids: Iterable[str],
        *,
        remember: Iterable[tuple[str, str, str]] = (),
        state: dict[str, str] | None = None,
    ) -> None:
        """Remove documents in one transaction, remembering (source, content hash, doc id)
        of files that stay on disk so a folder scan does not bring them back."""
        with self._db:
            for doc_id in doc_ids:
                self._remove(doc_id)
            self._db.executemany(
                "INSERT OR REPLACE INTO deleted_sources (source, content_hash, doc_id) VALUES (?, ?, ?)", list(remember)
            )
            for key, value in (state or {}).items():
                self._db.execute("INSERT OR REPLACE INTO state VALUES (?, ?)", [key, value])

    def _remove(self, doc_id: str) -> None:
        self._db.execute("DELETE FROM extracts WHERE doc_id = ?", [doc_id])
        self._db.execute("DELETE FROM chunks WHERE doc_id = ?", [doc_id])
        self._db.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])

    def close(self) -> None:
        self._connections.close()
