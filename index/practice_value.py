"""How replicable a practice is: a score from 0 to 100 with the reasons for it.

The 汇编 is a promotion document: a practice earns its place when another pilot could
copy it, i.e. when the sources say what was done, what it achieved and where it fits.
The score adds up what the text shows, each part with its reason in Chinese, so a
reader of the selection sees why a practice ranks where it does:

- 做法具体 (+25): at least two sentences say what was done (ingest/practice_parts.py);
  one sentence gives +10;
- 成效量化 (+25): it reports result figures (index/practice_effects.py), +10 for one;
- 已总结为经验 (+20): a 经验总结 or 典型案例 describes it, not only a plan or report;
- 多份材料印证 (+5 a document beyond the first, at most +10);
- 说明适用条件 (+10): the text or the summary's lessons say where it applies;
- 模式有名称 (+10): the title names a model (「…+…」, a quoted formula).

Routine administrative items (data/practice_value.txt [routine]: 加强组织领导、管理机制
持续完善、资金保障…) and items that only report figures (no method sentence) score 0 and
are left out of a 汇编 (a summarized practice always has a method, whatever its
sentences look like) unless the request keeps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from index.practice_effects import VALUE_FILE, Applicability, effect_figures
from ingest.extracted import Practice
from ingest.indicators import data_sections
from ingest.practice_parts import split_practice

SUMMARY_TYPES = ("经验总结", "典型案例")
_NAMED_MODEL = re.compile(r"[「“\"『].+[」”\"』]|[+＋].")


@cache
def routine_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(entry) for entry in data_sections(VALUE_FILE)["routine"])


@dataclass(frozen=True)
class PracticeValue:
    score: int  # 0-100
    reasons: tuple[str, ...]
    routine: bool  # excluded from a 汇编 by default

    @property
    def label(self) -> str:
        return "、".join(self.reasons)


def routine_reason(practice: Practice) -> str | None:
    """Why a practice is a routine item rather than a replicable practice, or None."""
    for pattern in routine_patterns():
        if pattern.search(practice.title):
            return f"例行管理事项（「{practice.title}」）"
    summarized = any(source.doc_type in SUMMARY_TYPES for source in practice.sources)
    if not summarized and not split_practice(practice.description).method:
        return "只报告进展数字，未写做法"
    return None


def practice_value(practice: Practice, applicability: Applicability | None = None) -> PracticeValue:
    routine = routine_reason(practice)
    if routine:
        return PracticeValue(0, (routine,), True)
    score = 0
    reasons: list[str] = []
    method = split_practice(practice.description).method
    if len(method) >= 2:
        score, reasons = score + 25, [*reasons, "做法具体"]
    else:
        score, reasons = score + 10, [*reasons, "做法简略"]
    results = effect_figures(practice)
    if len(results) >= 2:
        score, reasons = score + 25, [*reasons, f"成效量化（{len(results)} 项数据）"]
    elif results:
        score, reasons = score + 10, [*reasons, "成效数据 1 项"]
    else:
        reasons.append("无量化成效")
    if any(source.doc_type in SUMMARY_TYPES for source in practice.sources):
        score, reasons = score + 20, [*reasons, "已总结为经验"]
    documents = len({source.doc_id for source in practice.sources})
    if documents > 1:
        score, reasons = score + min(10, 5 * (documents - 1)), [*reasons, f"{documents} 份材料印证"]
    if applicability is not None and applicability.stated:
        score, reasons = score + 10, [*reasons, "说明适用条件"]
    if _NAMED_MODEL.search(practice.title):
        score, reasons = score + 10, [*reasons, "模式有名称"]
    return PracticeValue(min(score, 100), tuple(reasons), False)
