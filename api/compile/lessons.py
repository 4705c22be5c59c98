"""The lessons a pilot's summaries draw (可推广经验, 经验启示 …), for 适用条件 / 推广建议.

A summary restates its practices as lessons — 「（一）把废弃物变成燃料。乳品、肉制品…
的企业，可与周边养殖场联合建设沼气工程…」 — which is where the sources say where a
practice applies. The headings are ingest's fallback practice headings
(ingest/data/practice_headings.txt); index/practice_effects.py matches each lesson to the
practice it restates.
"""

from __future__ import annotations

from collections.abc import Iterable

from index import KnowledgeBase
from index.practice_effects import lesson_items
from index.practice_value import SUMMARY_TYPES
from ingest.practices import lesson_headings, strip_numbering

# (pilot_id, doc_type, [(heading path, section text), …]) of one document.
DocumentSections = tuple[str, str, list[tuple[list[str], str]]]


def lessons_of(documents: Iterable[DocumentSections]) -> dict[str, list[str]]:
    """Pilot id -> the lesson items of its summaries."""
    names = lesson_headings()
    lessons: dict[str, list[str]] = {}
    for pilot_id, doc_type, sections in documents:
        if doc_type not in SUMMARY_TYPES:
            continue
        for path, text in sections:
            if path and strip_numbering(path[-1]).endswith(names):
                lessons.setdefault(pilot_id, []).extend(lesson_items(text))
    return lessons


def pilot_lessons(kb: KnowledgeBase, pilot_ids: Iterable[str]) -> dict[str, list[str]]:
    wanted = set(pilot_ids)
    return lessons_of(
        (
            document.meta.get("pilot_id", ""),
            document.meta.get("doc_type", ""),
            [(section.get("heading_path") or [], section.get("text", "")) for section in document.sections],
        )
        for document in kb.documents()
        if document.meta.get("pilot_id") in wanted
    )
