"""The chunks the knowledge base holds, in memory, aligned with the BM25 rows.

Loaded from the catalogue at start-up and after each ingest. It resolves ids coming
back from either retriever to text and metadata, and turns filters into a boolean mask
over all chunks so BM25 is filtered before its top-k is taken.
"""

from __future__ import annotations

import numpy as np

from index.catalog import ChunkRecord
from index.filters import SearchFilters


class ChunkTable:
    def __init__(self, records: list[ChunkRecord]) -> None:
        self.records = records
        self.row_of = {record.chunk_id: row for row, record in enumerate(records)}
        self._columns: dict[str, np.ndarray] = {}
        self._by_doc: dict[str, list[ChunkRecord]] | None = None

    def __len__(self) -> int:
        return len(self.records)

    def records_of(self, doc_id: str) -> list[ChunkRecord]:
        """A document's chunks in document order."""
        if self._by_doc is None:
            by_doc: dict[str, list[ChunkRecord]] = {}
            for record in self.records:
                by_doc.setdefault(record.doc_id, []).append(record)
            for records in by_doc.values():
                records.sort(key=lambda record: record.position)
            self._by_doc = by_doc
        return self._by_doc.get(doc_id, [])

    def get(self, chunk_id: str) -> ChunkRecord | None:
        row = self.row_of.get(chunk_id)
        return None if row is None else self.records[row]

    def _column(self, key: str) -> np.ndarray:
        if key not in self._columns:
            self._columns[key] = np.array([record.metadata.get(key) for record in self.records], dtype=object)
        return self._columns[key]

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        """True for chunks that pass every filter; None when there is no filter."""
        conditions = filters.conditions()
        if not conditions and filters.doc_ids is None:
            return None
        mask = np.ones(len(self.records), dtype=bool)
        for key, value in conditions.items():
            mask &= self._column(key) == value
        if filters.doc_ids is not None:
            mask &= np.isin(self._column("doc_id"), list(filters.doc_ids))
        return mask
