"""Which reported figures measure a target: the same indicator, unit and form.

A plan names 黄河水取用量 and a report's table 黄河取水量较2023年下降; the plan says
屋顶分布式光伏装机容量 and the report 分布式光伏装机容量. Names are compared by their
noun (the words before a change: 较2023年下降, 同比下降, and without a bracketed note),
with interchangeable terms written one way (ingest/data/synonyms.txt: 可再生能源制氢 and
绿氢): the same, one containing the other, or a character overlap (Dice) of at least
MIN_NAME_SIMILARITY. The unit must agree, directly or by a safe conversion (万千瓦 and
千瓦, 万吨/年 and 吨/年), and so must the form: a change target (较2023年下降20%) is
measured by figures that state a change from that base, a year-on-year target by 同比
figures, a level by figures that state a level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from index.target_status import BASELINE_KIND, HALF_YEAR, Reading
from ingest.extracted import Figure, Target
from ingest.indicator_names import canonical_name
from ingest.indicators import unit_rules
from ingest.sentences import is_table_row
from ingest.targets import CHANGE, LEVEL, YEAR_ON_YEAR
from ingest.tokenizer import synonym_groups

MIN_NAME_SIMILARITY = 0.7
_CHANGE_TAIL = re.compile(
    r"(?:较|比|与)?(?:20\d{2}年|上年|去年|改造前|基期)?(?:同期|相比)?(?:同比)?(?:下降|降低|减少|压减|削减|提高|提升|增长|增加)(?:幅度|率)?$"
)
# Words that make a name an amount saved, reduced or added rather than the level itself.
_MEASURE_WORDS = ("减少", "减排", "新增", "节约", "节能量")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_BASE_YEAR = re.compile(r"(?:较|比|与)(20\d{2})年")
# Units of rates, ratios and intensities: a half-year's value is as good as a year's.
_RATIO_UNITS = ("%", "％", "‰", "个百分点", "")


@dataclass(frozen=True)
class NamedFigure:
    """A figure with where it was reported."""

    figure: Figure
    doc_id: str
    doc_type: str


def noun_of(name: str) -> tuple[str, bool, bool]:
    """(noun, is a change, is year-on-year) of a figure or target name; a bracketed
    note (「超低能耗建筑面积（累计竣工）」) is not part of the noun."""
    name = _BRACKETS.sub("", name)
    tail = _CHANGE_TAIL.search(name)
    if not tail or tail.start() == 0:
        return name, False, False
    return name[: tail.start()], True, "同比" in tail.group(0)


def name_similarity(left: str, right: str) -> float:
    """1 for the same noun, 0.95 when one contains the other, else the characters' Dice
    overlap; 0 when one names an amount saved, reduced or added and the other does not
    (年减少二氧化碳排放 is not 二氧化碳排放, 新增公共充电桩 not 公共充电桩)."""
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    if any((word in left) != (word in right) for word in _MEASURE_WORDS):
        return 0.0
    if left in right or right in left:
        return 0.95
    shared = len(set(left) & set(right))
    return 2 * shared / (len(set(left)) + len(set(right)))


@cache
def _synonym_forms() -> tuple[tuple[str, str], ...]:
    """(form, the first term of its group) for every term of ingest's synonym table,
    longest form first: 可再生能源制氢 -> 绿氢."""
    pairs = [(form, group[0]) for group in synonym_groups() for form in group[1:]]
    return tuple(sorted(pairs, key=lambda pair: len(pair[0]), reverse=True))


def canonical(name: str, pilot_id: str = "") -> str:
    """The indicator table's name (ingest/data/indicator_names.txt: 可再生能源制氢产能 ->
    绿氢产能), with interchangeable terms written one way (绿色电力 -> 绿电)."""
    name = canonical_name(name, pilot_id)
    for form, head in _synonym_forms():
        if form in name:
            name = name.replace(form, head)
    return name


def converted(figure: Figure, target: Target) -> float | None:
    """The figure's value in the target's unit, or None when no safe conversion joins them."""
    if figure.unit == target.unit:
        return figure.value
    if figure.normalized_value is not None and figure.normalized_unit == target.unit:
        return figure.normalized_value
    base, slash, per = target.unit.partition("/")
    rule = unit_rules().get(base)
    if rule is None or rule.factor is None:
        return None
    if figure.unit == rule.normalized_unit + slash + per:  # 5,700吨/年 for a target in 万吨/年
        value = figure.value
    elif figure.normalized_value is not None and figure.normalized_unit == rule.normalized_unit + slash + per:
        value = figure.normalized_value
    else:
        return None
    return float(f"{value / rule.factor:.12g}")


def _form_agrees(target: Target, name: str) -> bool:
    _, change, yoy = noun_of(name)
    if target.form == YEAR_ON_YEAR:
        return yoy
    if target.form == CHANGE:
        if not change or yoy:
            return False
        base = _BASE_YEAR.search(name)
        return base is None or target.baseline_year is None or int(base[1]) == target.baseline_year
    return not change


def reading_of(item: NamedFigure, value: float, target: Target) -> Reading:
    figure = item.figure
    kind = getattr(figure, "period_kind", "") or (BASELINE_KIND if item.doc_type == "实施方案" else "")
    return Reading(figure.name, value, target.unit, figure.period, kind, item.doc_id, figure.sentence, item.doc_type)


def comparable(reading: Reading, target: Target) -> bool:
    """A half-year amount of a flow is not an annual level (3460吨 in 1—6月 vs 9000吨)."""
    if target.form != LEVEL or target.unit in _RATIO_UNITS or "/" in target.unit:
        return True
    if any(word in reading.name for word in ("容量", "装机", "产能", "能力", "保有量", "面积", "规模", "覆盖")):
        return True  # a stock: its value at any date is its level
    return reading.period_kind != HALF_YEAR and not (reading.period_kind == "" and reading.period.endswith("H1"))


def linked_readings(
    target: Target, figures: Iterable[NamedFigure], pilot_id: str = ""
) -> tuple[list[Reading], Reading | None]:
    """(reported readings, the plan's base-year figure) of the target's indicator.

    Only the best-named indicator's figures are kept, so that 余热资源回收利用率 is not
    joined by 余热回收量 when both come close; when a key-indicator table reports the
    indicator, its rows are what counts (the prose around them gives increments and
    half-year amounts of the same thing).
    """
    noun = canonical(noun_of(target.indicator)[0], pilot_id)
    scored: list[tuple[float, NamedFigure, float]] = []
    for item in figures:
        if not _form_agrees(target, item.figure.name):
            continue
        value = converted(item.figure, target)
        if value is None:
            continue
        similarity = name_similarity(noun, canonical(noun_of(item.figure.name)[0]))
        if similarity >= MIN_NAME_SIMILARITY:
            scored.append((similarity, item, value))
    reports = [entry for entry in scored if entry[1].doc_type != "实施方案"]
    plans = [entry for entry in scored if entry[1].doc_type == "实施方案"]
    table_names = {entry[1].figure.name for entry in reports if is_table_row(entry[1].figure.sentence)}
    if table_names:  # a key-indicator table names the indicator as reported
        reports = [entry for entry in reports if entry[1].figure.name in table_names]
    readings: list[Reading] = []
    if reports:
        best = max(similarity for similarity, _, _ in reports)
        names = {item.figure.name for similarity, item, _ in reports if similarity >= best - 1e-9}
        for _, item, value in reports:
            if item.figure.name in names:
                reading = reading_of(item, value, target)
                if comparable(reading, target):
                    readings.append(reading)
    base = None
    if plans:
        _, item, value = max(plans, key=lambda entry: entry[0])
        candidate = reading_of(item, value, target)
        if candidate.year and candidate.year < target.year:
            base = candidate
    return _one_per_period(readings), base


def _one_per_period(readings: list[Reading]) -> list[Reading]:
    """One value for each (period, kind): a key-indicator table row before the prose
    (whose 下半年 figures stand beside the table's full-year ones), else the first."""
    seen: dict[tuple[str, str], Reading] = {}
    for reading in sorted(readings, key=lambda item: not is_table_row(item.sentence)):
        seen.setdefault((reading.period, reading.period_kind), reading)
    return sorted(seen.values(), key=lambda reading: reading.time)
