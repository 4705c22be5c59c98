"""What a practice achieved (成效) and where it applies (适用条件 / 推广建议), cleaned.

A merged practice carries every figure of every document that reports it: the plan's
targets, each report's half-year figures, the summary's totals — the same 7200立方米 from
two documents, 「缺口300万元」 from a report's difficulties, a design capacity next to an
achieved one. The 汇编 shows only:

- **results**: a figure stated as an outcome (an [effect] word of ingest's
  data/practice_roles.txt — 达到、下降、节约、累计… — in its clause just before it, or in
  its name, or a name that is an achieved quantity: 利用量、发电量…), not a design
  parameter, an investment or a gap, and not a target or a baseline (the 82% of
  「由2023年的82%提高到94.6%」 was listed as 成效 with its year, 2023);
- **about this practice**: stated in the practice's own (canonical) text, or, for a figure
  from another document merged into it, naming something the title names (a shared rare
  character pair: 「沼气利用量」 for 「…双源沼气替代燃气锅炉」);
- **once**: one figure per value and unit, and one per measure — the latest period wins
  (沼气利用量 2024 and 2025H1: the 2025H1 one); names that differ in wording only are one
  measure, as targets and reports are matched (index/target_links.py): 屋顶光伏装机容量
  and 屋顶分布式光伏装机容量, 装机容量 and 余热余压发电装机容量 were listed side by side;
- at most ``MAX_EFFECTS``, the practice's own text first, then the latest reports.

Applicability comes from the practice's text (sentences that say 适用于、可推广、建议…) and
from the lessons a summary draws (a 可推广经验 item that resembles the practice).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from index.target_links import MIN_NAME_SIMILARITY, canonical, name_similarity
from ingest.domain import PERIOD_KINDS
from ingest.extracted import Figure, Practice
from ingest.indicators import data_sections
from ingest.practice_merge import bigrams, similarity
from ingest.practice_parts import RESULT_WINDOW_CHARS, role_patterns
from ingest.practices import strip_numbering
from ingest.sentences import split_sentences

VALUE_FILE = Path(__file__).with_name("data") / "practice_value.txt"
MAX_EFFECTS = 6
# A target or a baseline (「由2023年的82%提高到…」's 82%) is not what a practice achieved.
_NOT_RESULTS = frozenset(PERIOD_KINDS[3:])  # 目标, 基期
MAX_APPLICABILITY = 3
# A lesson (可推广经验 item) belongs to the practice it resembles at least this much.
LESSON_SIMILARITY = 0.12
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?]")
# Pairs of characters too common in this domain to tie a figure to a practice.
_COMMON_PAIRS = frozenset(
    {"碳排", "排放", "二氧", "氧化", "化碳", "减排", "降碳", "低碳", "绿色", "能源", "建设", "推进"}
)
_LESSON_NUMBER = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]{1,3}[）)]|[一二三四五六七八九十]{1,3}[、，]|\d{1,2}[.．、])"
)


@cache
def result_name_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(entry) for entry in data_sections(VALUE_FILE)["result_name"])


@cache
def applicability_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(entry) for entry in data_sections(VALUE_FILE)["applicability"])


def is_result(figure: Figure) -> bool:
    """The figure states an outcome: a result word just before it, or in its name."""
    effect = role_patterns().effect
    position = figure.sentence.find(figure.text)
    before = figure.sentence[:position] if position >= 0 else ""
    clause = _CLAUSE_BREAK.split(before)[-1][-RESULT_WINDOW_CHARS:]
    if any(pattern.search(clause) or pattern.search(figure.name) for pattern in effect):
        return True
    return any(pattern.search(figure.name) for pattern in result_name_patterns())


def _topic_pairs(practice: Practice) -> frozenset[str]:
    return frozenset(gram for gram in bigrams(practice.title) if gram not in _COMMON_PAIRS)


def is_about(figure: Figure, practice: Practice) -> bool:
    """Stated in the practice's own text, or naming what its title names."""
    if figure.sentence and figure.sentence.strip()[:40] in practice.description:
        return True
    return bool(bigrams(figure.name) & _topic_pairs(practice))


def _period_key(figure: Figure) -> str:
    return figure.period or (str(figure.year) if figure.year else "")


def effect_figures(practice: Practice, limit: int = MAX_EFFECTS) -> list[Figure]:
    """The practice's results: about it, once each, its own text first, then the latest."""
    candidates = [
        f for f in practice.figures if f.period_kind not in _NOT_RESULTS and is_result(f) and is_about(f, practice)
    ]
    own = [f for f in candidates if f.sentence.strip()[:40] in practice.description]
    others = sorted((f for f in candidates if f not in own), key=_period_key, reverse=True)
    chosen: list[Figure] = []
    seen_values: set[tuple[float, str]] = set()
    seen_names: list[str] = []
    for figure in own + others:
        value_key = (figure.normalized_value or figure.value, figure.normalized_unit or figure.unit)
        name = canonical(figure.name)
        if value_key in seen_values or any(name_similarity(name, seen) >= MIN_NAME_SIMILARITY for seen in seen_names):
            continue
        seen_values.add(value_key)
        seen_names.append(name)
        chosen.append(figure)
        if len(chosen) == limit:
            break
    return chosen


def duplicate_figures(figures: list[Figure]) -> int:
    """How many figures repeat a value and unit already listed (0 for a clean 成效)."""
    keys = [(f.normalized_value or f.value, f.normalized_unit or f.unit) for f in figures]
    return len(keys) - len(set(keys))


def applicability_sentences(text: str, limit: int = MAX_APPLICABILITY) -> list[str]:
    """Sentences of a text that state where a practice applies or how to take it up."""
    found = []
    for sentence in split_sentences(text):
        clean = sentence.strip()
        if clean and any(pattern.search(clean) for pattern in applicability_patterns()):
            found.append(clean)
    return found[:limit]


def lesson_items(section_text: str) -> list[str]:
    """The numbered items of a 可推广经验 section, numbering removed. A paragraph that
    numbers its items inline (「一是组织上，…。二是技术上，…。」) is split at each, and a
    closing sentence about them all (「上述做法适用于…」) is an item of its own: the whole
    paragraph was pasted under one practice's 适用条件."""
    items: list[str] = []
    for line in section_text.splitlines():
        clean = line.strip()
        if not clean:
            continue
        if _LESSON_NUMBER.match(clean) or not items:
            items.append(strip_numbering(clean) if _LESSON_NUMBER.match(clean) else clean)
        else:
            items[-1] += clean
    parts = (part.strip() for item in items for part in _INLINE_ITEM.split(item))
    return [_INLINE_ORDINAL.sub("", part) for part in parts if part]


# Where a paragraph's inline item begins: 「。二是…」, or its closing 「。上述…」.
_INLINE_ITEM = re.compile(r"(?<=[。；])(?=\s*(?:[一二三四五六七八九十]是|上述|以上))")
_INLINE_ORDINAL = re.compile(r"^[一二三四五六七八九十]是")


def matching_lesson(practice: Practice, lessons: list[str]) -> str | None:
    """The lesson that restates this practice (most alike, above the bar), if any."""
    grams = bigrams(practice.title + "\n" + practice.description)
    best, best_score = None, LESSON_SIMILARITY
    for lesson in lessons:
        score = similarity(grams, bigrams(lesson), {})
        if score >= best_score:
            best, best_score = lesson, score
    return best


@dataclass(frozen=True)
class Applicability:
    statements: tuple[str, ...]  # 适用条件 / 推广建议, each as the source words it

    @property
    def stated(self) -> bool:
        return bool(self.statements)


def practice_applicability(practice: Practice, lessons: Sequence[str] = ()) -> Applicability:
    statements = applicability_sentences(practice.description)
    lesson = matching_lesson(practice, list(lessons)) if lessons else None
    if lesson and lesson not in statements:
        statements.insert(0, lesson)
    return Applicability(tuple(statements[:MAX_APPLICABILITY]))
