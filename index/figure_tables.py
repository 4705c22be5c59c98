"""Compare and rank questions answered with a table of one indicator across pilots.

「三个乡村试点屋顶光伏装机谁最大？」 is answered by each village's latest reported
figure of that indicator, ranked, every row citing the sentence (or indicator-table
line) it comes from. The figures are the ones ingest extracted (ingest/indicators.py);
which indicator the question means is read from its topic words: a figure qualifies
when its name (and, at half weight, its sentence) covers the topic well, and each pilot
contributes its best such figure, the latest period first, a cumulative or stock value
before an increment (「新增…」).

The table says plainly when its rows cannot be compared: different units that no safe
conversion joins, or different periods (a full year beside a half-year), so nobody
ranks a half-year figure against a full year without being told.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from index.answer_model import CitationNumbers, FigureRow, FigureTable
from index.chunk_table import ChunkTable
from index.question_terms import Topic, coverage
from ingest.domain import parse_period
from ingest.extracted import Figure
from ingest.matching_form import fold

# A figure names the asked indicator when name and sentence cover this much of the topic.
MIN_RELEVANCE = 0.6
# Rows keep to one indicator: names covering the topic nearly as well as the best one's.
NAME_MARGIN = 0.2
_INCREMENT_WORDS = ("新增", "增加", "新建", "首批", "一期", "二期")
_ASCENDING_CUES = ("最低", "最少", "最小", "最慢", "最差", "最短")


@dataclass(frozen=True)
class PilotFigure:
    figure: Figure
    doc_id: str
    pilot: str
    pilot_id: str
    pilot_type: str
    relevance: float
    name_coverage: float


def ascending(question: str) -> bool:
    return any(cue in question for cue in _ASCENDING_CUES)


def relevance(topic: Topic, figure: Figure) -> float:
    name = fold(figure.name).lower()
    sentence = fold(figure.sentence).lower()
    return min(1.0, coverage(topic, name) + 0.5 * coverage(topic, sentence))


def candidate_figures(
    topic: Topic, figures_by_doc: dict[str, list[Figure]], doc_meta: dict[str, dict], pilot_ids: Iterable[str] | None
) -> list[PilotFigure]:
    allowed = set(pilot_ids) if pilot_ids is not None else None
    found = []
    for doc_id, figures in figures_by_doc.items():
        meta = doc_meta.get(doc_id, {})
        if allowed is not None and meta.get("pilot_id") not in allowed:
            continue
        if meta.get("doc_type") == "实施方案":  # a plan states targets and baselines, not results
            continue
        for figure in figures:
            score = relevance(topic, figure)
            if score >= MIN_RELEVANCE:
                name = coverage(topic, fold(figure.name).lower())
                found.append(
                    PilotFigure(figure, doc_id, meta["pilot"], meta["pilot_id"], meta["pilot_type"], score, name)
                )
    return found


def one_indicator(candidates: list[PilotFigure], question_periods: set[str], question: str = "") -> list[PilotFigure]:
    """The candidates of the indicator the question means: the best-named figure's,
    in its unit; of each pilot, those in the period the question names when it has
    any (a pilot that reports only half-years stays, and the table says the periods
    differ). 「谁降得多」 means a figure of the fall (「…较2023年下降」), not the level."""
    if not candidates:
        return []
    direction = _direction(question)
    lead = max(
        candidates,
        key=lambda item: (item.name_coverage, _direction(item.figure.name) == direction != "", item.relevance),
    )
    unit = _value(lead)[1]
    kept = [
        item
        for item in candidates
        if item.name_coverage >= lead.name_coverage - NAME_MARGIN and _value(item)[1] == unit
    ]
    in_period = {item.pilot_id for item in kept if item.figure.period in question_periods}
    return [item for item in kept if item.pilot_id not in in_period or item.figure.period in question_periods]


_FALLING = re.compile(r"降|减|少")
_RISING = re.compile(r"提高|提升|增长|增加|升|涨")


def _direction(text: str) -> str:
    """Which way a change goes, as a question (「谁降得多」) or a figure's name
    (「…较2023年下降」) says it; "" when neither."""
    if _FALLING.search(text):
        return "down"
    if _RISING.search(text):
        return "up"
    return ""


def _preference(item: PilotFigure) -> tuple:
    increment = any(word in item.figure.name for word in _INCREMENT_WORDS)
    return (
        round(item.relevance, 2),
        not increment,
        _period_order(item.figure.period, getattr(item.figure, "period_kind", "")),
    )


def _period_order(period: str, kind: str = "") -> tuple[float, float]:
    """Recency of a figure's period, for choosing each pilot's figure. A full year's total
    comes before the next year's first half: 「谁产的绿氢多」 is better answered by 2025's
    8,580 against 3,920 than by half-years that a season can tilt; a later second
    half-year comes with its own full-year figure. A stock stated up to a date (累计)
    is not a half-year's flow: the latest one stays first."""
    parsed = parse_period(period) if period else None
    if parsed:
        # A stock up to a date (累计: a rate, a capacity) is as current as its date.
        return (parsed[0], parsed[1] + 1) if kind == "累计" else parsed
    if not period.isdigit():
        return (0, 0)
    return (int(period) + 1, 1.5) if kind == "全年" else (int(period), 3)


def best_per_pilot(candidates: list[PilotFigure]) -> list[PilotFigure]:
    best: dict[str, PilotFigure] = {}
    for item in candidates:
        current = best.get(item.pilot_id)
        if current is None or _preference(item) > _preference(current):
            best[item.pilot_id] = item
    return list(best.values())


def _value(item: PilotFigure) -> tuple[float, str]:
    figure = item.figure
    if figure.normalized_value is not None and figure.normalized_unit:
        return figure.normalized_value, figure.normalized_unit
    return figure.value, figure.unit


def period_label(period: str) -> str:
    parsed = parse_period(period) if period else None
    if parsed:
        return f"{parsed[0]}年{'上' if parsed[1] == 1 else '下'}半年"
    return f"{period}年" if period else "时期未注明"


def figure_table(
    question: str,
    topic: Topic,
    figures_by_doc: dict[str, list[Figure]],
    doc_meta: dict[str, dict],
    table: ChunkTable,
    citations: CitationNumbers,
    pilot_ids: Iterable[str] | None = None,
) -> FigureTable | None:
    """The table for the question, or None when fewer than two pilots report the figure."""
    candidates = candidate_figures(topic, figures_by_doc, doc_meta, pilot_ids)
    rows = best_per_pilot(one_indicator(candidates, question_periods(question), question))
    if len(rows) < 2:
        return None
    units = {_value(row)[1] for row in rows}
    periods = {row.figure.period for row in rows}
    kinds = {getattr(row.figure, "period_kind", "") for row in rows}
    descending = not ascending(question)
    rows.sort(key=lambda row: _value(row)[0], reverse=descending)
    caveats = []
    if len(units) > 1:
        caveats.append("各行单位不同（" + "、".join(sorted(u or "无单位" for u in units)) + "），不能直接比较大小")
    if len(periods) > 1 or len(kinds) > 1:
        labels = sorted({period_label(p) for p in periods})
        caveats.append("各行时期不同（" + "、".join(labels) + "），全年、半年与累计数不宜直接排名")
    out = []
    for row in rows:
        value, unit = _value(row)
        record = _record_of(table, row.doc_id, row.figure.sentence)
        if record is None:
            continue
        out.append(
            FigureRow(
                pilot=row.pilot,
                pilot_id=row.pilot_id,
                pilot_type=row.pilot_type,
                name=row.figure.name,
                value=value,
                unit=unit,
                period=row.figure.period,
                period_kind=getattr(row.figure, "period_kind", ""),
                sentence=row.figure.sentence,
                citation=citations.number(record),
            )
        )
    if len(out) < 2:
        return None
    indicator = max(rows, key=lambda row: row.relevance).figure.name
    return FigureTable(indicator, tuple(out), descending, comparable=not caveats, caveat="；".join(caveats))


_YEAR_HALF = re.compile(r"(20\d{2})\s*年\s*(上半年|下半年|全年|底|末|年底|年末)?")


def question_periods(question: str) -> set[str]:
    """Periods the question names, as figures record them: 「2025年上半年」 -> 2025H1;
    「截至2025年底」 -> 2025H2 (a stock at the year's end is reported in that half-year's
    report) and 2025."""
    periods = set()
    for year, half in _YEAR_HALF.findall(question):
        if half in ("底", "末", "年底", "年末"):
            periods.update({f"{year}H2", year})
            continue
        periods.add(f"{year}H1" if half == "上半年" else f"{year}H2" if half == "下半年" else year)
    return periods


def _record_of(table: ChunkTable, doc_id: str, sentence: str):
    text = sentence.strip()
    records = table.records_of(doc_id)
    return next((r for r in records if text in r.text), None) or next((r for r in records if text[:20] in r.text), None)
