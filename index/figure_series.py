"""A pilot's figures as series a chart can draw honestly.

A series holds one indicator, one period kind and one unit family: the 2024 full-year
CO₂ captured (36.2万吨) and the 2025 first half (19.8万吨) are two series, not a drop
of 16.4; 3650万千瓦时 and 0.98亿千瓦时 are one series in one unit, not a fall from
3650 to 0.98. % and 个百分点 are different units and never share a series.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from ingest.domain import parse_period
from ingest.extracted import Figure
from ingest.indicators import unit_rules
from ingest.period_kinds import period_label

TABLE_ROW_START = "指标："  # key-indicator table rows read as 「指标：…；单位：…」


@dataclass(frozen=True)
class SeriesPoint:
    period: str
    value: float  # in the series' unit
    unit: str
    normalized_value: float | None
    normalized_unit: str
    doc_id: str
    sentence: str
    label: str = ""  # 2025H1, 2024年, 截至2025年6月底
    written: str = ""  # the figure as the report wrote it (0.98亿千瓦时)


@dataclass(frozen=True)
class Series:
    """One indicator of one kind (半年, 全年, 累计 …) in one unit over time."""

    name: str
    period_kind: str
    unit: str
    points: list[SeriesPoint]


def unit_family(figure: Figure) -> str:
    """The unit values convert into: 万千瓦时, 亿千瓦时 and 千瓦时 are all 千瓦时."""
    return figure.normalized_unit or figure.unit


def unit_factor(unit: str) -> float | None:
    """How many family units one ``unit`` holds (万吨/年 -> 10000), None if unknown."""
    base, _, _ = unit.partition("/")
    rule = unit_rules().get(base)
    if rule is None:
        return None
    return rule.factor if rule.factor is not None else 1.0


def in_unit(figure: Figure, unit: str) -> float | None:
    """The figure's value in ``unit`` of its family, or None if no safe conversion."""
    if figure.unit == unit:
        return figure.value
    factor = unit_factor(unit)
    if figure.normalized_value is None or not factor:
        return None
    return float(f"{figure.normalized_value / factor:.10g}")


def period_order(period: str) -> tuple[int, int]:
    """Sort key of a period: 2025H1 -> (2025, 1); a full year after its halves, 2025 -> (2025, 3)."""
    parsed = parse_period(period)
    if parsed:
        return parsed
    return (int(period), 3) if period.isdigit() else (0, 0)


def series_key(figure: Figure) -> tuple[str, str, str]:
    return figure.name, figure.period_kind, unit_family(figure)


def _table_first(item: tuple[str, Figure]) -> bool:
    return not item[1].sentence.startswith(TABLE_ROW_START)


def build_series(figures: list[tuple[str, Figure]]) -> list[Series]:
    """Series of (doc_id, figure) pairs, documents in order: a table row wins over the
    prose of the same document, and the first document stating a period wins."""
    grouped: dict[tuple[str, str, str], list[tuple[str, Figure]]] = defaultdict(list)
    ordered = sorted(enumerate(figures), key=lambda pair: (pair[1][0], _table_first(pair[1]), pair[0]))
    for _, (doc_id, figure) in ordered:
        if figure.period:
            grouped[series_key(figure)].append((doc_id, figure))
    series = []
    for (name, kind, _), members in grouped.items():
        units = Counter(figure.unit for _, figure in members)
        unit = max(units, key=lambda written: (units[written], written == members[-1][1].unit))
        points: dict[str, SeriesPoint] = {}
        for doc_id, figure in members:
            value = in_unit(figure, unit)
            if value is None or figure.period in points:
                continue
            points[figure.period] = SeriesPoint(
                period=figure.period,
                value=value,
                unit=unit,
                normalized_value=figure.normalized_value,
                normalized_unit=figure.normalized_unit,
                doc_id=doc_id,
                sentence=figure.sentence,
                label=period_label(kind, figure.period),
                written=figure.text,
            )
        ordered_points = [points[period] for period in sorted(points, key=period_order)]
        series.append(Series(name, kind, unit, ordered_points))
    series.sort(key=lambda item: (-len(item.points), item.name, item.period_kind))
    return series
