"""The structure of a compilation, independent of the output format.

Practices are grouped by the field their own text belongs to (index/practice_fields.py),
in the plan's order of fields or the order the request gives, then by pilot type (in the
plan's order); each practice appears once. Routine administrative items are left out
unless the request keeps them (index/practice_value.py); the request may also pick
practices by id or drop some. Within a pilot type, practices are ordered by their
replicability score. Sources are numbered once for the whole document, in order of first
citation, so the reference list at the end and the markers in the text agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from index.practice_effects import Applicability, effect_figures, practice_applicability
from index.practice_fields import PracticeFields, classify_practice
from index.practice_value import PracticeValue, practice_value
from ingest.domain import FIELDS, PILOT_TYPES
from ingest.extracted import Figure, Practice, PracticeSource
from ingest.practice_parts import split_practice

DEFAULT_COMPILE_TITLE = "宁夏碳达峰试点可复制可推广经验做法汇编"
# Above this many practices a 汇编 is refused (a DRC document has tens, not thousands;
# rendering thousands would take minutes and a reader could not use it).
MAX_COMPILE_PRACTICES = 400


@dataclass(frozen=True, kw_only=True)
class CompileRequest:
    pilot_types: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    periods: tuple[str, ...] = ()  # e.g. 2025H1 or 2025: a practice qualifies if one source matches
    title: str = DEFAULT_COMPILE_TITLE
    issuer: str = ""  # 编印单位
    date: dt.date | None = None
    include_routine: bool = False
    practice_ids: tuple[str, ...] = ()  # pick: only these (in addition to the filters)
    exclude_ids: tuple[str, ...] = ()  # drop these
    field_order: tuple[str, ...] = ()  # the order of the field groups; others follow in FIELDS order


@dataclass
class OutlinePractice:
    practice: Practice
    references: list[int]
    fields: PracticeFields
    value: PracticeValue
    method: list[str]
    effects: list[Figure]
    applicability: Applicability

    @property
    def field(self) -> str:
        return self.fields.field


@dataclass
class Outline:
    title: str
    date: dt.date
    issuer: str = ""
    groups: dict[str, dict[str, list[OutlinePractice]]] = field(default_factory=dict)  # field -> type -> practices
    references: list[PracticeSource] = field(default_factory=list)
    demo: bool = False
    left_out_routine: int = 0  # routine items the selection matched but the 汇编 leaves out

    @property
    def items(self) -> list[OutlinePractice]:
        return [item for by_type in self.groups.values() for items in by_type.values() for item in items]

    @property
    def practices(self) -> list[Practice]:
        return [item.practice for item in self.items]


def _source_matches_period(source: PracticeSource, periods: tuple[str, ...]) -> bool:
    stamp = source.period or source.date
    return any(stamp.startswith(period) for period in periods)


def selected(practice: Practice, fields: PracticeFields, request: CompileRequest) -> bool:
    if request.practice_ids and practice.practice_id not in request.practice_ids:
        return False
    if practice.practice_id in request.exclude_ids:
        return False
    if request.pilot_types and practice.pilot_type not in request.pilot_types:
        return False
    if request.fields and fields.field not in request.fields:
        return False
    return not request.periods or any(_source_matches_period(s, request.periods) for s in practice.sources)


def within_periods(practice: Practice, periods: tuple[str, ...]) -> Practice:
    """The practice as the periods asked for show it: their sources and figures only.

    Why: a 2025 汇编 took a practice with one 2025 source, then cited all its sources and
    listed its 2026 figures as 成效 (「发电量：1.18亿千瓦时（2026H1）」), and its 前言 said
    「材料时间为2024年至2026年上半年」. A figure that states no time is kept."""
    sources = [source for source in practice.sources if _source_matches_period(source, periods)]
    figures = [
        figure
        for figure in practice.figures
        if not (figure.period or figure.year) or any(_figure_stamp(figure).startswith(period) for period in periods)
    ]
    return replace(practice, sources=sources or practice.sources, figures=figures)


def _figure_stamp(figure: Figure) -> str:
    return figure.period or str(figure.year)


def field_rank(request: CompileRequest) -> dict[str, int]:
    ordered = [*request.field_order, *(name for name in FIELDS if name not in request.field_order)]
    return {name: index for index, name in enumerate(ordered)}


def assess(practice: Practice, lessons: Sequence[str] = ()) -> OutlinePractice:
    """Everything the 汇编 says about one practice (references are numbered later)."""
    applicability = practice_applicability(practice, lessons)
    return OutlinePractice(
        practice=practice,
        references=[],
        fields=classify_practice(practice),
        value=practice_value(practice, applicability),
        method=list(split_practice(practice.description).method),
        effects=effect_figures(practice),
        applicability=applicability,
    )


def build_outline(
    practices: list[Practice], request: CompileRequest, lessons: Mapping[str, Sequence[str]] | None = None
) -> Outline:
    """``lessons``: pilot id -> the 可推广经验 items of its summaries (see api/compile/lessons.py)."""
    lessons = lessons or {}
    outline = Outline(title=request.title, date=request.date or dt.date.today(), issuer=request.issuer)
    chosen: list[OutlinePractice] = []
    for practice in practices:
        if request.periods:
            practice = within_periods(practice, request.periods)
        item = assess(practice, lessons.get(practice.pilot_id, ()))
        if not selected(practice, item.fields, request):
            continue
        picked = practice.practice_id in request.practice_ids
        if item.value.routine and not (request.include_routine or picked):
            outline.left_out_routine += 1
            continue
        chosen.append(item)
    type_order = {name: index for index, name in enumerate(PILOT_TYPES)}
    fields_rank = field_rank(request)
    chosen.sort(
        key=lambda item: (
            fields_rank.get(item.field, len(fields_rank)),
            type_order.get(item.practice.pilot_type, len(type_order)),
            -item.value.score,
            item.practice.pilot_id,
            item.practice.title,
        )
    )
    reference_numbers: dict[tuple, int] = {}
    for item in chosen:
        for source in item.practice.sources:
            key = (source.doc_id, source.heading_path)
            if key not in reference_numbers:
                outline.references.append(source)
                reference_numbers[key] = len(outline.references)
            item.references.append(reference_numbers[key])
        by_type = outline.groups.setdefault(item.field, {})
        by_type.setdefault(item.practice.pilot_type, []).append(item)
        outline.demo = outline.demo or item.practice.demo
    return outline


CHINESE_NUMERALS = "一二三四五六七八九十"


def numeral(index: int) -> str:
    """1 -> 一 … 10 -> 十, 11 -> 十一 … 99 -> 九十九 (enough for section numbering)."""
    if index <= 10:
        return CHINESE_NUMERALS[index - 1]
    if index < 20:
        return "十" + CHINESE_NUMERALS[index - 11]
    if index < 100:
        tens, ones = divmod(index, 10)
        return CHINESE_NUMERALS[tens - 1] + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")
    return str(index)


def reference_text(number: int, source: PracticeSource, pilot_by_doc: dict[str, str]) -> str:
    stamp = source.period or source.date
    pilot = pilot_by_doc.get(source.doc_id, "")
    parts = [part for part in (pilot, f"《{source.title}》", source.heading_path, stamp) if part]
    return f"[{number}] " + "，".join(parts) + f"（文档编号 {source.doc_id}）"


def pilot_by_document(outline: Outline) -> dict[str, str]:
    return {source.doc_id: practice.pilot for practice in outline.practices for source in practice.sources}


def figure_line(figure: Figure) -> str:
    stamp = figure.period or (f"{figure.year}年" if figure.year else "")
    return f"{figure.name}：{figure.text}" + (f"（{stamp}）" if stamp else "")


def group_headings(outline: Outline) -> list[tuple[int, str]]:
    """(level, text) of every group heading, in document order: 一、field; （一）pilot type."""
    headings: list[tuple[int, str]] = []
    for field_index, (field_name, by_type) in enumerate(outline.groups.items(), start=1):
        headings.append((1, f"{numeral(field_index)}、{field_name}"))
        for type_index, pilot_type in enumerate(by_type, start=1):
            headings.append((2, f"（{numeral(type_index)}）{pilot_type}类试点"))
    return headings
