"""The structure of a compilation, independent of the output format.

Practices are grouped by pilot type (in the plan's order), then by field of work; each
practice appears once, under its primary field (the first of its fields that the
request selected). Sources are numbered once for the whole document, in order of first
citation, so the reference list at the end and the markers in the text agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ingest.domain import FIELDS, PILOT_TYPES
from ingest.extracted import Practice, PracticeSource

UNSPECIFIED_FIELD = "其他"


@dataclass(frozen=True, kw_only=True)
class CompileRequest:
    pilot_types: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()  # e.g. 2025H1 or 2025: a practice qualifies if one source matches
    title: str = "宁夏碳达峰试点可复制可推广经验做法汇编"
    date: dt.date | None = None


@dataclass
class OutlinePractice:
    practice: Practice
    references: list[int]


@dataclass
class Outline:
    title: str
    date: dt.date
    groups: dict[str, dict[str, list[OutlinePractice]]] = field(default_factory=dict)  # type -> field -> practices
    references: list[PracticeSource] = field(default_factory=list)
    demo: bool = False

    @property
    def practices(self) -> list[Practice]:
        return [item.practice for by_field in self.groups.values() for items in by_field.values() for item in items]


def _source_matches_period(source: PracticeSource, periods: tuple[str, ...]) -> bool:
    stamp = source.period or source.date
    return any(stamp.startswith(period) for period in periods)


def selected(practice: Practice, request: CompileRequest) -> bool:
    if request.pilot_types and practice.pilot_type not in request.pilot_types:
        return False
    if request.fields and not set(practice.fields) & set(request.fields):
        return False
    return not request.periods or any(_source_matches_period(s, request.periods) for s in practice.sources)


def primary_field(practice: Practice, request: CompileRequest) -> str:
    for name in practice.fields:
        if not request.fields or name in request.fields:
            return name
    return UNSPECIFIED_FIELD


def build_outline(practices: list[Practice], request: CompileRequest) -> Outline:
    outline = Outline(title=request.title, date=request.date or dt.date.today())
    chosen = [practice for practice in practices if selected(practice, request)]
    type_order = {name: index for index, name in enumerate(PILOT_TYPES)}
    field_order = {name: index for index, name in enumerate(FIELDS)}
    chosen.sort(
        key=lambda p: (
            type_order.get(p.pilot_type, len(type_order)),
            field_order.get(primary_field(p, request), len(field_order)),
            p.pilot_id,
            p.title,
        )
    )
    reference_numbers: dict[tuple, int] = {}
    for practice in chosen:
        numbers = []
        for source in practice.sources:
            key = (source.doc_id, source.heading_path)
            if key not in reference_numbers:
                outline.references.append(source)
                reference_numbers[key] = len(outline.references)
            numbers.append(reference_numbers[key])
        by_field = outline.groups.setdefault(practice.pilot_type, {})
        by_field.setdefault(primary_field(practice, request), []).append(OutlinePractice(practice, numbers))
        outline.demo = outline.demo or practice.demo
    return outline


CHINESE_NUMERALS = "一二三四五六七八九十"


def numeral(index: int) -> str:
    """1 -> 一 … 10 -> 十, 11 -> 十一 (enough for section numbering)."""
    if index <= 10:
        return CHINESE_NUMERALS[index - 1]
    return "十" + CHINESE_NUMERALS[index - 11] if index < 20 else str(index)


def reference_text(number: int, source: PracticeSource, pilot_by_doc: dict[str, str]) -> str:
    stamp = source.period or source.date
    pilot = pilot_by_doc.get(source.doc_id, "")
    parts = [part for part in (pilot, f"《{source.title}》", source.heading_path, stamp) if part]
    return f"[{number}] " + "，".join(parts) + f"（文档编号 {source.doc_id}）"


def pilot_by_document(outline: Outline) -> dict[str, str]:
    return {source.doc_id: practice.pilot for practice in outline.practices for source in practice.sources}


def figure_line(figure) -> str:
    stamp = figure.period or (f"{figure.year}年" if figure.year else "")
    return f"{figure.name}：{figure.text}" + (f"（{stamp}）" if stamp else "")
