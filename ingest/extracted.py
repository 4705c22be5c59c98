"""What ingest extracts from documents beyond chunks: figures and practices.

Shared shapes: ``ingest/indicators.py`` and ``ingest/practices.py`` produce them, the
index stores and merges them, the API serves and compiles them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Figure:
    """One reported figure: 「光伏装机容量达到1.8万千瓦」 -> name 光伏装机容量, 1.8, 万千瓦.

    ``value``/``unit`` are as written; ``normalized_value``/``normalized_unit`` are set
    only where the conversion is safe (万千瓦 -> MW, 万吨标准煤 -> 吨标准煤 …), never
    guessed when the unit is missing.
    """

    name: str
    value: float
    unit: str
    text: str  # the figure as written, e.g. "1.8万千瓦"
    sentence: str  # the source sentence
    period: str = ""  # e.g. 2025H1, from the document or the sentence
    year: int = 0
    normalized_value: float | None = None
    normalized_unit: str = ""
    # 半年 / 全年 / 累计 / 目标 / 基期 (ingest/period_kinds.py): what span the value covers;
    # the period is written accordingly (2025H1, 2025, the half a total closes, a year).
    period_kind: str = ""


@dataclass(frozen=True)
class PracticeSource:
    doc_id: str
    title: str
    doc_type: str
    period: str
    date: str
    heading_path: str


@dataclass
class Practice:
    """A replicable practice (经验做法), possibly reported by several documents."""

    practice_id: str
    title: str
    description: str
    pilot: str
    pilot_id: str
    pilot_type: str
    region: str
    fields: list[str]
    figures: list[Figure] = field(default_factory=list)
    sources: list[PracticeSource] = field(default_factory=list)
    demo: bool = False


@dataclass(frozen=True)
class Target:
    """A target a pilot's implementation plan sets (ingest/targets.py): 「到2025年余热资源
    回收利用率达到70%」 -> indicator 余热资源回收利用率, 70, %, 2025, 水平, 不低于.

    ``form`` is 水平 (a level), 较基期变化 (a change from ``baseline_year``), 同比 (a
    year-on-year rate for ``year``) or 累计 (a total accumulated since the plan began);
    ``direction`` says which side of ``value`` meets it (不低于 / 不高于). For a change, the
    value is the change itself (下降20% -> 20), met when the reported change reaches it.
    """

    indicator: str
    value: float
    unit: str
    year: int
    form: str
    direction: str
    baseline_value: float | None
    baseline_year: int | None
    text: str  # the target as written, e.g. "70%"
    sentence: str  # the plan's sentence (up to 。 or ；)
    heading_path: str
    normalized_value: float | None = None
    normalized_unit: str = ""
