"""The merged practice catalogue and the reported figures, read from the catalogue.

Practices are extracted per document at ingest; merging near-duplicates (the same
practice in a plan, a report and a summary) needs the whole corpus, so it happens here,
once per catalogue generation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ingest.documents import within_section
from ingest.extracted import Figure, Practice
from ingest.practice_merge import merge_practices


@dataclass(frozen=True)
class SeriesPoint:
    period: str
    value: float
    unit: str
    normalized_value: float | None
    normalized_unit: str
    doc_id: str
    sentence: str


class PracticeCatalog:
    def __init__(self, extracts: dict[str, tuple[list[Figure], list[Practice]]], doc_meta: dict[str, dict]):
        self.doc_meta = doc_meta
        self.figures_by_doc = {doc_id: figures for doc_id, (figures, _) in extracts.items()}
        self.practices = merge_practices([p for _, (_, practices) in sorted(extracts.items()) for p in practices])
        self.by_id = {practice.practice_id: practice for practice in self.practices}

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
            for practice in self.practices
            if any(
                source.doc_id == doc_id and within_section(heading_path, source.heading_path)
                for source in practice.sources
            )
        ]

    def time_series(self, pilot_id: str) -> dict[str, list[SeriesPoint]]:
        """Indicator name -> points by report period, from the pilot's half-yearly reports.

        The x-axis is the period of the report that states the figure (a 2024H2 report
        stating 「2024年全年…」 gives the 2024H2 point); the first mention in a report wins,
        and key-indicator tables come before prose in the reports.
        """
        series: dict[str, dict[str, SeriesPoint]] = defaultdict(dict)
        for doc_id, figures in self.figures_by_doc.items():
            meta = self.doc_meta.get(doc_id, {})
            if meta.get("pilot_id") != pilot_id or meta.get("doc_type") != "进展报告":
                continue
            for figure in figures:
                period = meta.get("period", "") or figure.period
                if not period:
                    continue
                point = SeriesPoint(
                    period,
                    figure.value,
                    figure.unit,
                    figure.normalized_value,
                    figure.normalized_unit,
                    doc_id,
                    figure.sentence,
                )
                series[figure.name].setdefault(period, point)  # first mention in a period wins
        return {
            name: [points[period] for period in sorted(points)]
            for name, points in sorted(series.items(), key=lambda item: (-len(item[1]), item[0]))
        }
