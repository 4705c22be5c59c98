"""The merged practice catalogue and the reported figures, read from the catalogue.

Practices are extracted per document at ingest; merging near-duplicates (the same
practice in a plan, a report and a summary) needs the whole corpus, so it happens here,
once per catalogue generation.
"""

from __future__ import annotations

from index.figure_series import Series, build_series
from ingest.documents import within_section
from ingest.extracted import Figure, Practice, PracticeSource
from ingest.practice_merge import merge_practices


class PracticeCatalog:
    def __init__(self, extracts: dict[str, tuple[list[Figure], list[Practice]]], doc_meta: dict[str, dict]):
        self.doc_meta = doc_meta
        self.figures_by_doc = {doc_id: figures for doc_id, (figures, _) in extracts.items()}
        self.practices = merge_practices([p for _, (_, practices) in sorted(extracts.items()) for p in practices])
        self.by_id = {practice.practice_id: practice for practice in self.practices}
        self._by_doc: dict[str, list[tuple[Practice, list[PracticeSource]]]] | None = None

    def find(
        self,
        *,
        pilot_type: str | None = None,
        field: str | None = None,
        region: str | None = None,
        pilot_id: str | None = None,
    ) -> list[Practice]:
        return [
            practice
            for practice in self.practices
            if (pilot_type is None or practice.pilot_type == pilot_type)
            and (field is None or field in practice.fields)
            and (region is None or practice.region == region)
            and (pilot_id is None or practice.pilot_id == pilot_id)
        ]

    def practices_of_chunk(self, doc_id: str, heading_path: str) -> list[Practice]:
        """Practices whose source section contains a chunk at ``heading_path`` of ``doc_id``."""
        return [
            practice
            for practice, sources in self._sources_in(doc_id)
            if any(within_section(heading_path, source.heading_path) for source in sources)
        ]

    def _sources_in(self, doc_id: str) -> list[tuple[Practice, list[PracticeSource]]]:
        """The practices with a source in ``doc_id``, each with those sources, in catalogue
        order (a practice search asks this for ~150 chunks: no scan of every practice)."""
        if self._by_doc is None:
            by_doc: dict[str, list[tuple[Practice, list[PracticeSource]]]] = {}
            for practice in self.practices:
                docs: dict[str, list[PracticeSource]] = {}
                for source in practice.sources:
                    docs.setdefault(source.doc_id, []).append(source)
                for source_doc, sources in docs.items():
                    by_doc.setdefault(source_doc, []).append((practice, sources))
            self._by_doc = by_doc
        return self._by_doc.get(doc_id, [])

    def time_series(self, pilot_id: str) -> list[Series]:
        """A pilot's reported figures over time: one series per indicator, period kind
        and unit family (index/figure_series.py), from its half-yearly reports."""
        figures: list[tuple[str, Figure]] = []
        for doc_id, found in sorted(self.figures_by_doc.items()):
            meta = self.doc_meta.get(doc_id, {})
            if meta.get("pilot_id") == pilot_id and meta.get("doc_type") == "进展报告":
                figures.extend((doc_id, figure) for figure in found)
        return build_series(figures)
