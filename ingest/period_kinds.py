"""What span of time a figure covers: a half-year, a full year, a total up to a date,
a target or a baseline (ingest/indicators.py asks; ingest/domain.PERIOD_KINDS names them).

A pilot's 2024H2 report states 2024's full-year totals beside half-year ones, and its
capacity is a stock at the year's end. Plotted as one series they make a 36.2 → 19.8
“drop” that never happened, so every figure carries its kind, read from what the text
says about it: a table's 统计口径 column (「2024年全年」「2025年1—6月」「截至2025年6月底」),
the time before a figure in a sentence, and words like 累计 or 截至.

Periods are written so that figures of one kind compare: a half-year 2025H1, a full
year 2025, a total up to a date as the half-year it closes (截至2025年6月底 -> 2025H1,
截至2025年底 -> 2025H2), a target or a baseline as its year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.domain import PERIOD_KINDS, parse_period

HALF, FULL_YEAR, TO_DATE, TARGET, BASELINE = PERIOD_KINDS

_YEAR = re.compile(r"(20\d{2})")
_TO_DATE_CUES = ("截至", "截止", "年底", "年末", "月底", "月末", "底数", "末数", "时点", "以来", "累计至")
_HALF_WORDS = {"上半年": 1, "下半年": 2, "一季度": 1, "二季度": 1, "三季度": 2, "四季度": 2}
_MONTHS = re.compile(r"(\d{1,2})\s*[—\-－～~至到]\s*(\d{1,2})\s*月")
_MONTH_END = re.compile(r"(\d{1,2})\s*月(?:底|末|份)")
_SEASON = re.compile(r"(20\d{2})\s*[—\-－～~至到]\s*(20\d{2})\s*年?\s*采暖季")


@dataclass(frozen=True)
class Span:
    """A kind and a period, e.g. (半年, 2025H1), (全年, 2024), (累计, 2025H2)."""

    kind: str
    period: str

    @property
    def year(self) -> int:
        return int(self.period[:4]) if self.period[:4].isdigit() else 0


def half_of(year: int, half: int) -> str:
    return f"{year}H{half}"


def read_span(text: str, default_period: str = "") -> Span | None:
    """The span a statement of time names: 「2024年全年」 -> (全年, 2024), 「2025年1—6月」 ->
    (半年, 2025H1), 「截至2025年6月底」 -> (累计, 2025H1), 「2024—2025年采暖季」 -> (半年,
    2025H1: a heating season ends in the first half). None when it names none."""
    text = text.strip()
    if not text:
        return None
    default = parse_period(default_period) if default_period else None
    years = [int(year) for year in _YEAR.findall(text)]
    season = _SEASON.search(text)
    if season:
        return Span(HALF, half_of(int(season[2]), 1))
    year = years[0] if years else (default[0] if default else 0)
    if not year:
        return None
    if any(cue in text for cue in _TO_DATE_CUES):
        return Span(TO_DATE, half_of(year, _closing_half(text, default)))
    for word, half in _HALF_WORDS.items():
        if word in text:
            return Span(HALF, half_of(year, half))
    months = _MONTHS.search(text)
    if months:
        first, last = int(months[1]), int(months[2])
        if last <= 6:
            return Span(HALF, half_of(year, 1))
        if first >= 7:
            return Span(HALF, half_of(year, 2))
        return Span(FULL_YEAR, str(year)) if (first, last) == (1, 12) else None
    if "全年" in text or "年度" in text or (years and re.search(r"20\d{2}\s*年", text)):
        return Span(FULL_YEAR, str(year))
    return None


def _closing_half(text: str, default: tuple[int, int] | None) -> int:
    """The half-year a 「截至…」 date closes: June -> 1, the year's end -> 2."""
    month = _MONTH_END.search(text)
    if month:
        return 1 if int(month[1]) <= 6 else 2
    if "年底" in text or "年末" in text:
        return 2
    return default[1] if default else 2


def document_span(doc_period: str, year: int) -> Span | None:
    """What a figure without a time of its own covers: its report's half-year."""
    if parse_period(doc_period):
        return Span(HALF, doc_period)
    return Span(FULL_YEAR, str(year)) if year else None


def to_date(span: Span) -> Span:
    """The same span read as a total up to its end: (全年, 2025) -> (累计, 2025H2)."""
    if span.kind == TO_DATE:
        return span
    parsed = parse_period(span.period)
    if parsed:
        return Span(TO_DATE, span.period)
    return Span(TO_DATE, half_of(span.year, 2)) if span.year else span


def period_label(kind: str, period: str) -> str:
    """How a chart names a point: 2025H1, 2024年, 2025年6月底 (a total up to then),
    2025年目标, 2023年基期."""
    parsed = parse_period(period)
    if kind == TO_DATE and parsed:
        return f"{parsed[0]}年{'6月' if parsed[1] == 1 else ''}底"
    if kind == TARGET:
        return f"{period}年目标"
    if kind == BASELINE:
        return f"{period}年基期" if period.isdigit() else period
    if period.isdigit():
        return f"{period}年"
    return period
