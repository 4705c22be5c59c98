"""Vectors already computed, keyed by embedder and text, in SQLite.

Re-ingesting an unchanged corpus, editing one file, or rebuilding a lost vector store
then costs no model time for text that was embedded before.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.sqlite_connections import ThreadConnections


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        self._connections = ThreadConnections(
            path,
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT, hash TEXT, vector BLOB, PRIMARY KEY (model, hash));",
        )

    @property
    def _db(self) -> sqlite3.Connection:
        return self._connections.get()

    def get_many(self, model: str, texts: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors by text hash, for those of ``texts`` that have one."""
        return self.get_arrays(model, list({text_hash(text) for text in texts}))

    def get_arrays(self, model: str, hashes: list[str]) -> dict[str, np.ndarray]:
        """Cached vectors by text hash, as float32 arrays. Why not lists: a Python float per
        component made each vector 12 KB instead of 1.5 KB; an ingest of 100k chunks held
        1.6 GB of them, and the dense index reads every chunk's vector at start-up."""
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(hashes), 500):
            batch = hashes[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                f"SELECT hash, vector FROM embeddings WHERE model = ? AND hash IN ({marks})", [model, *batch]
            )
            found.update((digest, np.frombuffer(blob, dtype=np.float32)) for digest, blob in rows)
        return found

    def put_many(self, model: str, texts: list[str], vectors: Sequence[Sequence[float] | np.ndarray]) -> None:
        rows = [
            (model, text_hash(text), np.asarray(vector, dtype=np.float32).tobytes())
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)

    def count(self, model: str) -> int:
        return self._db.execute("SELECT COUNT(*) FROM embeddings WHERE model = ?", [model]).fetchone()[0]

    def close(self) -> None:
        self._connections.close()
