"""Whether a target is met, on track, lagging, or has no reported value yet.

The rule (README 「目标与进度：判定规则」), applied to the latest reported value of the
target's indicator (index/target_links.py finds them):

- 无数据: no report states a value of the indicator (in a comparable unit and form).
- 同比 targets are compared year by year: the year's full-year rate decides (已完成 or
  滞后); while the year runs, its half-year rate says 按进度 or 滞后.
- Otherwise, a target whose year is over is judged by the value at the year's end (a
  full-year value, the second half, 截至…年底; a progress report's before an experience
  summary's, which may give a value of August as the year's), as the pilots' own
  year-end reports judge it: 已完成 when it meets the target (at least / at most), else
  滞后, whatever came after. A later value is said in the reason: 「…目标年已过仍未达到；
  2026年上半年70.6%，此后已达到」 (or 「…，仍未达到」; for a met target, 「…，此后已低于
  目标」). Before, the latest value decided, and a 2025 target missed at the end of 2025
  and reached in 2026H1 showed as 已完成 on the board while the pilot's report said 未完成.
- Without a value at the year's end, the latest value decides: 已完成 when it meets the
  target, 滞后 when it does not and the target year is over.
- Before then, the value is compared with a straight line from the baseline to the
  target at the end of the target year: on or ahead of the line is 按进度, behind it
  滞后. The baseline is the target's own (由11.2提高到12.5), else 0 for a change from a
  base year (较2023年下降20%) and for a total accumulated since the plan began, else the
  plan's own figure for the base year (2023年余热资源回收利用率58%), else the pilot's
  first reported value. With none of these, a value short of the target before its
  year is over is 按进度 (nothing shows it behind).

A value's time is the end of the span it covers: 2025H1 -> mid-2025, 2025年全年 and
截至2025年底 -> the end of 2025. A half-year amount of a flow (生产绿氢 3460吨 in
1—6月) is not compared with an annual level; rates, ratios and stocks are.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.domain import REPORT_DOC_TYPE, parse_period
from ingest.extracted import Target
from ingest.targets import AT_MOST, CHANGE, CUMULATIVE, YEAR_ON_YEAR

STATUSES: tuple[str, ...] = ("已完成", "按进度", "滞后", "无数据")
MET, ON_TRACK, LAGGING, NO_DATA = STATUSES
HALF_YEAR, FULL_YEAR, TO_DATE, TARGET_KIND, BASELINE_KIND = "半年", "全年", "累计", "目标", "基期"
# Two values this close count as equal (69.99999 meets 70).
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Reading:
    """A reported value of a target's indicator, in the target's unit."""

    name: str
    value: float
    unit: str
    period: str  # 2025H1, 2025 (a full year), …
    period_kind: str  # 半年 / 全年 / 累计 / 基期 ('' when the extractor did not say)
    doc_id: str
    sentence: str
    doc_type: str = ""  # of the document that reported it

    @property
    def time(self) -> float:
        """The end of the span the value covers, in years (2025H1 -> 2025.5, 2025 -> 2026.0)."""
        parsed = parse_period(self.period)
        if parsed:
            return parsed[0] + parsed[1] * 0.5
        return int(self.period) + 1.0 if self.period.isdigit() else 0.0

    @property
    def year(self) -> int:
        parsed = parse_period(self.period)
        return parsed[0] if parsed else int(self.period) if self.period.isdigit() else 0

    @property
    def closes_year(self) -> bool:
        """Whether the value covers its year to the end (full year, second half, year end)."""
        parsed = parse_period(self.period)
        return self.period.isdigit() or (parsed is not None and parsed[1] == 2)


@dataclass(frozen=True)
class Judgement:
    status: str
    reason: str  # Chinese, e.g. 「2025年全年69.1%，目标70%，目标年已过仍未达到」
    reading: Reading | None = None
    expected: float | None = None  # the value on the straight line at the reading's time


def deadline(target: Target) -> float:
    return target.year + 1.0


def meets(target: Target, value: float) -> bool:
    if target.direction == AT_MOST:
        return value <= target.value + TOLERANCE
    return value >= target.value - TOLERANCE


def _ahead(target: Target, value: float, expected: float) -> bool:
    if target.direction == AT_MOST:
        return value <= expected + TOLERANCE
    return value >= expected - TOLERANCE


def number(value: float) -> str:
    """A value as a reason states it: at most two decimals (65.86, not 65.8571)."""
    rounded = round(value, 2) if abs(value) >= 1 else round(value, 4)
    return f"{rounded:g}"


def when(reading: Reading) -> str:
    parsed = parse_period(reading.period)
    if reading.period_kind == TO_DATE and parsed:
        return f"截至{parsed[0]}年{'6月' if parsed[1] == 1 else ''}底"
    if parsed:
        return f"{parsed[0]}年{'上' if parsed[1] == 1 else '下'}半年"
    return f"{reading.period}年全年" if reading.period.isdigit() else reading.period


def judge(target: Target, readings: list[Reading], start: tuple[float, float] | None) -> Judgement:
    """The status of ``target`` given its indicator's reported values and the start of its
    straight line (value, time), if known. ``readings`` are already comparable with it."""
    if target.form == YEAR_ON_YEAR:
        return _judge_year(target, readings)
    usable = [reading for reading in readings if reading.time]
    if not usable:
        return Judgement(NO_DATA, "尚无报告给出该指标的数值")
    latest = max(usable, key=lambda reading: (reading.time, reading.closes_year))
    goal = f"目标{target.year}年{_goal(target)}"
    at_end = [
        reading
        for reading in usable
        if abs(reading.time - deadline(target)) <= TOLERANCE and reading.period_kind != BASELINE_KIND
    ]
    reported = [reading for reading in at_end if reading.doc_type == REPORT_DOC_TYPE]
    if reported or at_end:
        return _judge_at_deadline(target, max(reported or at_end, key=_year_end_first), latest, goal)
    said = f"{when(latest)}{number(latest.value)}{latest.unit}"
    if meets(target, latest.value):
        return Judgement(MET, f"{said}，已达到{goal}", latest)
    if latest.time >= deadline(target) - TOLERANCE:
        return Judgement(LAGGING, f"{said}，{goal}，目标年已过仍未达到", latest)
    line_start = start or _first(target, usable, latest)
    if line_start is None:
        return Judgement(ON_TRACK, f"{said}，{goal}；目标年未到，无基期可比", latest)
    base_value, base_time = line_start
    share = (latest.time - base_time) / (deadline(target) - base_time) if deadline(target) > base_time else 1.0
    expected = base_value + (target.value - base_value) * min(max(share, 0.0), 1.0)
    path = f"按基期{number(base_value)}到目标的直线进度，此时应为{number(expected)}{latest.unit}"
    if _ahead(target, latest.value, expected):
        return Judgement(ON_TRACK, f"{said}，{goal}；{path}，进度正常", latest, expected)
    return Judgement(LAGGING, f"{said}，{goal}；{path}，进度落后", latest, expected)


def _year_end_first(reading: Reading) -> tuple[bool, bool]:
    """Of the values at a year's end, a full-year one first, then one closing the year."""
    return reading.period.isdigit(), reading.closes_year


def _judge_at_deadline(target: Target, at_end: Reading, latest: Reading, goal: str) -> Judgement:
    """A target whose year is over, judged by its value at the year's end; a later value
    that says otherwise is named in the reason."""
    said = f"{when(at_end)}{number(at_end.value)}{at_end.unit}"
    later = f"{when(latest)}{number(latest.value)}{latest.unit}"
    after = latest.time > deadline(target) + TOLERANCE
    if meets(target, at_end.value):
        since = f"；{later}，此后已低于目标" if after and not meets(target, latest.value) else ""
        return Judgement(MET, f"{said}，已达到{goal}{since}", at_end)
    since = (f"；{later}，此后已达到" if meets(target, latest.value) else f"；{later}，仍未达到") if after else ""
    return Judgement(LAGGING, f"{said}，{goal}，目标年已过仍未达到{since}", at_end)


def line_start(target: Target, base_figure: Reading | None) -> tuple[float, float] | None:
    """Where the straight line to the target starts: (value, time)."""
    if target.baseline_value is not None and target.baseline_year:
        return target.baseline_value, target.baseline_year + 1.0
    if target.form in (CHANGE, CUMULATIVE) and target.baseline_year:
        return 0.0, target.baseline_year + 1.0
    if base_figure is not None:
        return base_figure.value, base_figure.time
    return None


def _first(target: Target, usable: list[Reading], latest: Reading) -> tuple[float, float] | None:
    earlier = [reading for reading in usable if reading.time < latest.time]
    if not earlier or target.form in (CHANGE, CUMULATIVE):
        return None
    first = min(earlier, key=lambda reading: reading.time)
    return first.value, first.time


def _goal(target: Target) -> str:
    if target.form == CHANGE:
        base = f"较{target.baseline_year}年" if target.baseline_year else ""
        return f"{base}变化{number(target.value)}{target.unit}"
    side = "以下" if target.direction == AT_MOST else ""
    return f"{number(target.value)}{target.unit}{side}"


def _judge_year(target: Target, readings: list[Reading]) -> Judgement:
    of_year = [reading for reading in readings if reading.year == target.year]
    goal = f"{target.year}年同比目标{number(target.value)}{target.unit}"
    if not of_year:
        return Judgement(NO_DATA, f"尚无报告给出{target.year}年的同比数值")
    closing = [reading for reading in of_year if reading.closes_year]
    reading = max(closing or of_year, key=lambda item: item.time)
    said = f"{when(reading)}{number(reading.value)}{reading.unit}"
    if closing:
        if meets(target, reading.value):
            return Judgement(MET, f"{said}，已达到{goal}", reading)
        return Judgement(LAGGING, f"{said}，未达到{goal}", reading)
    if meets(target, reading.value):
        return Judgement(ON_TRACK, f"{said}，达到{goal}，全年数据待报", reading)
    return Judgement(LAGGING, f"{said}，低于{goal}", reading)
