"""`tanlu figures --check`: what in the reported figures a reader would trip over.

- 跳变: a series (one indicator, kind and unit) moving by more than half between
  consecutive periods, the usual sign of a full-year total filed as a half-year or a
  unit slip;
- 单位冲突: one indicator and kind reported in units no safe conversion joins;
- 名称相近: one figure reported under two names (the same value for the same period),
  or two names that differ only by a few characters, neither merged by
  ingest/data/indicator_names.txt;
- 时期冲突: one amount of one indicator in one report under two kinds;
- 时期超出: a report for a half-year outside the years its pilot's plan covers.

An item is explained when the text itself says why (a partial span such as 「11—12月」 or
「投运后」 in its sentence), or when the corpus's notes file (``_figure_notes.yaml`` in
the corpus folder, never ingested) gives a reason for it; the reason goes with the item.
Everything else is unexplained: fix the extractor, or the text where the text is wrong.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from index.figure_series import Series, build_series, unit_family
from ingest.domain import PLAN_DOC_TYPE, parse_period
from ingest.extracted import Figure
from ingest.indicator_names import confirmed_distinct
from ingest.period_kinds import BASELINE, TO_DATE

JUMP_RATIO = 0.5  # a change over half the earlier value
NEAR_NAME_SIMILARITY = 0.75  # character-bigram overlap of two names of one pilot
SAME_VALUE_SIMILARITY = 0.25  # ... enough, beside one value, to suspect one indicator
NOTES_FILE = "_figure_notes.yaml"
REPORT_DOC_TYPE = "进展报告"
# A sentence that says its span is partial explains a jump: 11—12月, 投运后, 首批.
_PARTIAL_SPAN = re.compile(r"\d{1,2}\s*[—\-－～~至]\s*\d{1,2}\s*月|投运后|投产后|投运以来|首批|首次|新投运")
_YEAR = re.compile(r"20\d{2}")
_FIXED_BASE = re.compile(r"较(20\d{2})年")


UNREAD_TARGET = "目标无法读取"


@dataclass(frozen=True)
class CheckItem:
    kind: str  # 跳变 / 单位冲突 / 名称相近 / 时期冲突 / 时期超出 / 目标无法读取
    pilot_id: str
    pilot: str
    indicator: str
    detail: str
    doc_ids: tuple[str, ...] = ()
    explanation: str = ""  # why it is fine, from the text or the notes file

    @property
    def explained(self) -> bool:
        return bool(self.explanation)


@dataclass
class CheckReport:
    items: list[CheckItem] = field(default_factory=list)
    series: int = 0
    figures: int = 0

    @property
    def unexplained(self) -> list[CheckItem]:
        return [item for item in self.items if not item.explained]


def check_figures(
    figures_by_doc: dict[str, list[Figure]],
    doc_meta: dict[str, dict],
    notes: list[dict] | None = None,
    plan_texts: dict[str, str] | None = None,
    unread_targets: list[tuple[str, str]] | None = None,
) -> CheckReport:
    """Check every pilot's reported figures; ``notes`` are the notes file's entries,
    ``plan_texts`` the text of each implementation plan (doc_id -> text), and
    ``unread_targets`` the plans' target sentences ingest/targets.py could not read
    (doc_id, sentence): listed, never guessed."""
    report = CheckReport()
    by_pilot: dict[str, list[tuple[str, Figure]]] = defaultdict(list)
    for doc_id, figures in sorted(figures_by_doc.items()):
        meta = doc_meta.get(doc_id, {})
        if meta.get("doc_type") == REPORT_DOC_TYPE and meta.get("pilot_id"):
            by_pilot[meta["pilot_id"]].extend((doc_id, figure) for figure in figures)
    names = {meta.get("pilot_id", ""): meta.get("pilot", "") for meta in doc_meta.values()}
    for pilot_id, stated in sorted(by_pilot.items()):
        series = build_series(stated)
        report.series += len(series)
        report.figures += len(stated)
        pilot = names.get(pilot_id, pilot_id)
        report.items += _jumps(pilot_id, pilot, series, stated)
        report.items += _unit_conflicts(pilot_id, pilot, stated)
        report.items += _near_names(pilot_id, pilot, stated)
        report.items += _kind_conflicts(pilot_id, pilot, stated)
    report.items += _periods_outside_plans(doc_meta, plan_texts)
    for doc_id, sentence in unread_targets or []:
        meta = doc_meta.get(doc_id, {})
        detail = "实施方案中的目标句读不出指标、数值或目标年，未作为目标（不猜测）"
        report.items.append(
            CheckItem(UNREAD_TARGET, meta.get("pilot_id", ""), meta.get("pilot", ""), sentence, detail, (doc_id,))
        )
    report.items = [_explained(item, notes or []) for item in report.items]
    return report


def _jumps(pilot_id: str, pilot: str, series: list[Series], figures: list[tuple[str, Figure]]) -> list[CheckItem]:
    # Every sentence stating a value in a document: the table row of 2024's 860 t says
    # 「2024年全年」, the prose beside it 「9—12月累计生产绿氢860吨」.
    sentences: dict[tuple[str, float], list[str]] = defaultdict(list)
    for doc_id, figure in figures:
        sentences[(doc_id, figure.value)].append(figure.sentence)
    items = []
    for item in series:
        for before, after in zip(item.points, item.points[1:], strict=False):
            if not before.value or abs(after.value - before.value) <= JUMP_RATIO * abs(before.value):
                continue
            said = [*sentences[(before.doc_id, _written_value(before.written))], before.sentence, after.sentence]
            partial = next((found for text in said if (found := _PARTIAL_SPAN.search(text))), None)
            reason = f"原文说明该期只含部分时段（「{partial.group(0)}」）" if partial else ""
            if not reason and item.period_kind == TO_DATE and after.value > before.value:
                reason = "截至期末的累计数（存量）增加：累计数只增不减，建设期增幅大"
            base = _FIXED_BASE.search(item.name)
            if not reason and base:
                reason = f"与固定基年（{base.group(1)}年）相比的变化逐期累积"
            items.append(
                CheckItem(
                    "跳变",
                    pilot_id,
                    pilot,
                    item.name,
                    f"{item.period_kind}：{before.label} {before.value:g}{item.unit} → "
                    f"{after.label} {after.value:g}{item.unit}",
                    (before.doc_id, after.doc_id),
                    reason,
                )
            )
    return items


def _written_value(written: str) -> float:
    number = re.match(r"[\d,]+(?:\.\d+)?", written)
    return float(number.group(0).replace(",", "")) if number else 0.0


def _kind_conflicts(pilot_id: str, pilot: str, figures: list[tuple[str, Figure]]) -> list[CheckItem]:
    """One amount of one indicator in one report under two kinds (a table row says
    「2025年1—6月」, the prose 「截至6月底」): the text disagrees with itself."""
    kinds: dict[tuple[str, str, float, str], dict[str, Figure]] = defaultdict(dict)
    for doc_id, figure in figures:
        if figure.period_kind != BASELINE:
            kinds[(doc_id, figure.name, figure.value, figure.unit)].setdefault(figure.period_kind, figure)
    items = []
    for (doc_id, name, value, unit), found in sorted(kinds.items()):
        if len(found) > 1:
            said = [figure.sentence for figure in found.values()]
            partial = next((match for text in said if (match := _PARTIAL_SPAN.search(text))), None)
            spans = "、".join(f"{kind} {figure.period}" for kind, figure in sorted(found.items()))
            items.append(
                CheckItem(
                    "时期冲突",
                    pilot_id,
                    pilot,
                    name,
                    f"同一报告中 {value:g}{unit} 既是 {spans}",
                    (doc_id,),
                    f"原文说明该期只含部分时段（「{partial.group(0)}」），与全年数相同" if partial else "",
                )
            )
    return items


def _unit_conflicts(pilot_id: str, pilot: str, figures: list[tuple[str, Figure]]) -> list[CheckItem]:
    families: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for doc_id, figure in figures:
        families[(figure.name, figure.period_kind)].setdefault(unit_family(figure), doc_id)
    items = []
    for (name, kind), found in sorted(families.items()):
        # 万千瓦 and 万千瓦时 of one storage plant are its power and its energy, not a
        # conflict; 千瓦时 beside 千瓦时/吨 is a missing "per ton".
        bases = {family.partition("/")[0] for family in found}
        if len(found) > 1 and len(bases) < len(found):
            units = "、".join(sorted(found))
            items.append(
                CheckItem(
                    "单位冲突", pilot_id, pilot, name, f"{kind}：单位 {units} 不能换算", tuple(sorted(found.values()))
                )
            )
    return items


def _bigrams(text: str) -> set[str]:
    return {text[index : index + 2] for index in range(len(text) - 1)} or {text}


def name_similarity(first: str, second: str) -> float:
    a, b = _bigrams(first), _bigrams(second)
    return len(a & b) / min(len(a), len(b))


def _near_names(pilot_id: str, pilot: str, figures: list[tuple[str, Figure]]) -> list[CheckItem]:
    """Two names for one thing: the same value, unit and period under both, or names
    nearly the same in one unit and kind."""
    same_value: dict[tuple, dict[str, str]] = defaultdict(dict)
    by_kind: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for doc_id, figure in figures:
        key = (figure.value, figure.unit, figure.period, figure.period_kind)
        same_value[key].setdefault(figure.name, doc_id)
        by_kind[(figure.period_kind, unit_family(figure))].setdefault(figure.name, doc_id)
    pairs: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}
    for (value, unit, period, _), found in same_value.items():
        named = sorted(found)
        for index, first in enumerate(named):
            for second in named[index + 1 :]:
                if (
                    name_similarity(first, second) < SAME_VALUE_SIMILARITY
                    or _differ_in_meaning(first, second)
                    or confirmed_distinct(first, second)
                ):
                    continue  # 100% of two unrelated rates is a coincidence
                detail = f"同一数值 {value:g}{unit}（{period}）出现在两个名称下"
                pairs[(first, second)] = (detail, (found[first], found[second]))
    for (kind, unit), found in by_kind.items():
        named = sorted(found)
        for index, first in enumerate(named):
            for second in named[index + 1 :]:
                if (first, second) in pairs or min(len(first), len(second)) < 4:
                    continue
                if (
                    name_similarity(first, second) >= NEAR_NAME_SIMILARITY
                    and not _differ_in_meaning(first, second)
                    and not confirmed_distinct(first, second)
                ):
                    detail = f"{kind}、单位 {unit} 相同，名称几乎相同"
                    pairs[(first, second)] = (detail, (found[first], found[second]))
    return [
        CheckItem("名称相近", pilot_id, pilot, f"{first} / {second}", detail, docs)
        for (first, second), (detail, docs) in sorted(pairs.items())
    ]


_MEANINGFUL = ("同比", "较", "新增", "年", "单位", "人均", "下降", "增长", "占比", "率", "能耗", "排放")


def _differ_in_meaning(first: str, second: str) -> bool:
    """Names one word apart that mean different things: 「同比下降」 vs 「较2023年下降」,
    「装机容量」 vs 「新增装机容量」."""
    return any((word in first) != (word in second) for word in _MEANINGFUL) or bool(
        set(_YEAR.findall(first)) ^ set(_YEAR.findall(second))
    )


def plan_years(text: str, start_year: int) -> tuple[int, int]:
    """Years a plan covers: from its own year to the last year it sets a target for."""
    years = [int(year) for year in _YEAR.findall(text) if start_year <= int(year) <= start_year + 15]
    return start_year, max(years, default=start_year)


def _periods_outside_plans(doc_meta: dict[str, dict], plan_texts: dict[str, str] | None = None) -> list[CheckItem]:
    spans: dict[str, tuple[int, int]] = {}
    for doc_id, meta in doc_meta.items():
        if meta.get("doc_type") == PLAN_DOC_TYPE and meta.get("year"):
            text = (plan_texts or {}).get(doc_id, meta.get("title", ""))
            first, last = plan_years(text, int(meta["year"]))
            spans[meta["pilot_id"]] = (first, max(last, spans.get(meta["pilot_id"], (0, 0))[1]))
    items = []
    for doc_id, meta in sorted(doc_meta.items()):
        parsed = parse_period(meta.get("period", "") or "")
        span = spans.get(meta.get("pilot_id", ""))
        if meta.get("doc_type") != REPORT_DOC_TYPE or not parsed or span is None:
            continue
        if not span[0] <= parsed[0] <= span[1]:
            items.append(
                CheckItem(
                    "时期超出",
                    meta["pilot_id"],
                    meta.get("pilot", ""),
                    "",
                    f"报告时期 {meta['period']} 不在实施方案覆盖的 {span[0]}—{span[1]} 年内",
                    (doc_id,),
                )
            )
    return items


def load_notes(corpus_dir: Path | None) -> list[dict]:
    """Entries of the corpus's notes file: {pilot_id, indicator, kind, reason}."""
    path = corpus_dir / NOTES_FILE if corpus_dir else None
    if path is None or not path.is_file():
        return []
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(entries, list):
        raise ValueError(f"{path.name}：应为条目列表（pilot_id、indicator、kind、reason）")
    return [entry for entry in entries if isinstance(entry, dict) and entry.get("reason")]


def _explained(item: CheckItem, notes: list[dict]) -> CheckItem:
    if item.explained:
        return item
    for note in notes:
        if (
            note.get("pilot_id") == item.pilot_id
            and note.get("kind", item.kind) == item.kind
            and str(note.get("indicator", "")) == item.indicator
        ):
            return CheckItem(
                item.kind, item.pilot_id, item.pilot, item.indicator, item.detail, item.doc_ids, str(note["reason"])
            )
    return item
