"""The programme's progress: every pilot's targets with a status, who has reported for
which half-year, a pilots × key-targets matrix, and cross-pilot comparison tables.

The founding plan asks each pilot to report every half year, and the regional DRC to
praise pilots with outstanding results and to tell lagging ones to correct course.
This is what it reads: targets come from the plans (ingest/targets.py), are linked to
the reported figures of the same indicator (index/target_links.py) and judged by the
rule of index/target_status.py. Each status cites the target's sentence and the latest
reported sentence, each table cell its source, so nothing is taken on trust.

For a target that is met or on track, the practices the pilot credits are those whose
title, text or section names the indicator (「余热资源回收利用率」 -> the practice
「余热余压梯级利用」 whose text speaks of 余热 回收): a target's practices are the
pilot's own account of how it got there.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import jieba

from index.catalog import ChunkRecord, DocumentRecord
from index.chunk_table import ChunkTable
from index.target_links import NamedFigure, linked_readings, noun_of
from index.target_status import MET, ON_TRACK, STATUSES, Judgement, Reading, judge, line_start, when
from ingest.documents import Section, within_section
from ingest.domain import PLAN_DOC_TYPE, parse_period
from ingest.extracted import Figure, Practice, Target
from ingest.indicators import data_sections
from ingest.matching_form import fold
from ingest.targets import CHANGE, CUMULATIVE, extract_plan_targets

KEY_TARGETS_FILE = Path(__file__).with_name("data") / "key_targets.txt"
REPORT_DOC_TYPE = "进展报告"
MAX_CREDITED = 3
# A practice names an indicator when its text holds this share of the indicator's words.
MIN_CREDIT_COVERAGE = 0.67
# Status order in a matrix cell: the worst one leads.
_SEVERITY = {"滞后": 0, "按进度": 1, "已完成": 2, "无数据": 3}


@dataclass(frozen=True)
class Source:
    """Where a sentence stands: a document's section and the chunk that holds it."""

    doc_id: str
    title: str
    doc_type: str
    period: str
    heading_path: str
    chunk_id: str
    sentence: str


@dataclass(frozen=True)
class Credit:
    """A practice the pilot credits for a target."""

    practice_id: str
    title: str
    doc_id: str
    heading_path: str


@dataclass
class TargetRecord:
    target_id: str
    pilot_id: str
    pilot: str
    pilot_type: str
    target: Target
    family: str  # the key-target column it falls in ('' when none)
    judgement: Judgement
    target_source: Source
    latest_source: Source | None
    readings: list[Reading] = field(default_factory=list)
    credited: list[Credit] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.judgement.status


@dataclass(frozen=True)
class ReportSlot:
    """One pilot's report for one half-year: its document, or None when missing."""

    period: str
    doc_id: str | None
    title: str = ""


@dataclass
class PilotReporting:
    pilot_id: str
    pilot: str
    pilot_type: str
    slots: list[ReportSlot]
    outside_plan: list[ReportSlot]  # reports for half-years outside the plan's years

    @property
    def missing(self) -> list[str]:
        return [slot.period for slot in self.slots if slot.doc_id is None]


@dataclass(frozen=True)
class ComparisonRow:
    pilot_id: str
    pilot: str
    pilot_type: str
    indicator: str
    value: float
    unit: str
    when: str
    target_value: float
    target_year: int
    status: str
    target_id: str
    source: Source


@dataclass(frozen=True)
class Comparison:
    """One indicator family across pilots, in one unit and form: sortable, cited."""

    title: str
    unit: str
    form: str
    rows: tuple[ComparisonRow, ...]


@dataclass(frozen=True)
class KeyFamily:
    label: str
    words: tuple[str, ...]


@cache
def key_families() -> tuple[KeyFamily, ...]:
    """The matrix columns (data/key_targets.txt): a label and the words that put an
    indicator in it, first match wins."""
    families = []
    for line in data_sections(KEY_TARGETS_FILE)["families"]:
        label, _, words = line.partition(":")
        families.append(KeyFamily(label.strip(), tuple(words.split())))
    return tuple(families)


def family_of(indicator: str) -> str:
    for family in key_families():
        if any(word in indicator for word in family.words):
            return family.label
    return ""


def half_years(first: str, last: str) -> list[str]:
    start, end = parse_period(first), parse_period(last)
    if not start or not end:
        return []
    periods = []
    year, half = start
    while (year, half) <= end:
        periods.append(f"{year}H{half}")
        year, half = (year, 2) if half == 1 else (year + 1, 1)
    return periods


def sections_of(document: DocumentRecord) -> list[Section]:
    return [
        Section(tuple(section["heading_path"]), section["text"].split("\n") if section["text"] else [])
        for section in document.sections
    ]


class ProgrammeProgress:
    """Built once per catalogue generation (index/insights.py)."""

    def __init__(
        self,
        documents: list[DocumentRecord],
        figures_by_doc: dict[str, list[Figure]],
        practices: list[Practice],
        practice_texts: dict[str, str],
        table: ChunkTable,
    ) -> None:
        self._table = table
        self._documents = {doc.doc_id: doc for doc in documents}
        self.unread: list[tuple[str, str]] = []  # (doc_id, sentence) of targets that could not be read
        self.targets: list[TargetRecord] = []
        self._practices = practices
        self._practice_texts = practice_texts
        figures_of_pilot: dict[str, list[NamedFigure]] = defaultdict(list)
        for doc_id, figures in figures_by_doc.items():
            meta = self._documents[doc_id].meta if doc_id in self._documents else {}
            for figure in figures:
                figures_of_pilot[meta.get("pilot_id", "")].append(NamedFigure(figure, doc_id, meta.get("doc_type", "")))
        for document in documents:
            if document.meta.get("doc_type") != PLAN_DOC_TYPE:
                continue
            reading = extract_plan_targets(document.meta.get("doc_type", ""), sections_of(document))
            self.unread.extend((document.doc_id, sentence) for sentence in reading.unread)
            for target in reading.targets:
                self.targets.append(self._record(document, target, figures_of_pilot[document.meta["pilot_id"]]))
        self.by_id = {record.target_id: record for record in self.targets}

    # -- targets ------------------------------------------------------------------------
    def _record(self, plan: DocumentRecord, target: Target, figures: list[NamedFigure]) -> TargetRecord:
        meta = plan.meta
        plan_year = int(str(meta.get("date") or "0")[:4] or 0) or int(meta.get("year") or 0)
        if target.form in (CHANGE, CUMULATIVE) and target.baseline_year is None and plan_year:
            # 「较改造前下降25%」「累计完成320户」: counted from when the plan began.
            target = replace(target, baseline_year=plan_year - 1)
        readings, base = linked_readings(target, figures, meta["pilot_id"])
        judgement = judge(target, readings, line_start(target, base))
        latest = judgement.reading
        record = TargetRecord(
            target_id=target_id(meta["pilot_id"], target),
            pilot_id=meta["pilot_id"],
            pilot=meta["pilot"],
            pilot_type=meta["pilot_type"],
            target=target,
            family=family_of(target.indicator),
            judgement=judgement,
            target_source=self._source(plan.doc_id, target.sentence, target.heading_path),
            latest_source=self._source(latest.doc_id, latest.sentence) if latest else None,
            readings=readings,
        )
        if judgement.status in (MET, ON_TRACK):
            record.credited = self._credited(meta["pilot_id"], target.indicator)
        return record

    def _source(self, doc_id: str, sentence: str, heading_path: str = "") -> Source:
        document = self._documents.get(doc_id)
        meta = document.meta if document else {}
        record = self._chunk_of(doc_id, sentence, heading_path)
        return Source(
            doc_id=doc_id,
            title=meta.get("title", ""),
            doc_type=meta.get("doc_type", ""),
            period=meta.get("period", "") or (meta.get("date", "") or "")[:4],
            heading_path=heading_path or (record.metadata.get("heading_path", "") if record else ""),
            chunk_id=record.chunk_id if record else "",
            sentence=sentence,
        )

    def _chunk_of(self, doc_id: str, sentence: str, heading_path: str) -> ChunkRecord | None:
        records = self._table.records_of(doc_id)
        if heading_path:
            records = [
                r for r in records if within_section(r.metadata.get("heading_path", ""), heading_path)
            ] or records
        text = _table_row_text(sentence)
        return next((r for r in records if text in r.text), None) or next(
            (r for r in records if text[:16] in r.text), None
        )

    def _credited(self, pilot_id: str, indicator: str) -> list[Credit]:
        words = indicator_words(indicator)
        if not words:
            return []
        scored = []
        for practice in self._practices:
            if practice.pilot_id != pilot_id:
                continue
            text = self._practice_texts.get(practice.practice_id, "")
            share = sum(1 for word in words if word in text) / len(words)
            titled = sum(1 for word in words if word in fold(practice.title).lower()) / len(words)
            if share >= MIN_CREDIT_COVERAGE:
                scored.append((titled, share, practice))
        scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
        credits = []
        for _, _, practice in scored[:MAX_CREDITED]:
            source = practice.sources[0]
            credits.append(Credit(practice.practice_id, practice.title, source.doc_id, source.heading_path))
        return credits

    def of_pilot(self, pilot_id: str) -> list[TargetRecord]:
        return [record for record in self.targets if record.pilot_id == pilot_id]

    def status_counts(self, records: Iterable[TargetRecord] | None = None) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for record in self.targets if records is None else records:
            counts[record.status] += 1
        return counts

    # -- reporting ----------------------------------------------------------------------
    def reporting(self, pilots: list[dict]) -> tuple[list[str], list[PilotReporting]]:
        """(half-years, each pilot's reports by half-year): from the earliest report
        period in the corpus to the latest, so a pilot that has not reported for the
        latest half-year shows a gap. A report for a half-year before its plan was made
        or after its last target year is listed apart, as outside the plan's years."""
        reports = [doc for doc in self._documents.values() if doc.meta.get("doc_type") == REPORT_DOC_TYPE]
        periods = sorted({doc.meta.get("period", "") for doc in reports if parse_period(doc.meta.get("period", ""))})
        columns = half_years(periods[0], periods[-1]) if periods else []
        years = self._plan_years()
        out = []
        for pilot in pilots:
            pilot_id = pilot["pilot_id"]
            own = {
                doc.meta.get("period", ""): doc
                for doc in sorted(reports, key=lambda doc: doc.doc_id)
                if doc.meta.get("pilot_id") == pilot_id
            }
            span = years.get(pilot_id)
            slots, outside = [], []
            for period, doc in sorted(own.items()):
                parsed = parse_period(period)
                if span and parsed and not span[0] <= parsed[0] <= span[1]:
                    outside.append(ReportSlot(period, doc.doc_id, doc.meta.get("title", "")))
            for period in columns:
                parsed = parse_period(period)
                if span and parsed and not span[0] <= parsed[0] <= span[1]:
                    continue
                report = own.get(period)
                if report is None:
                    slots.append(ReportSlot(period, None))
                else:
                    slots.append(ReportSlot(period, report.doc_id, report.meta.get("title", "")))
            if not own and pilot_id not in years:
                continue  # a pilot with neither plan nor reports has nothing to report against
            out.append(PilotReporting(pilot_id, pilot["pilot"], pilot["pilot_type"], slots, outside))
        return columns, out

    def _plan_years(self) -> dict[str, tuple[int, int]]:
        """pilot_id -> (first, last) year its plan covers: the plan's year to its last target year."""
        years: dict[str, tuple[int, int]] = {}
        for doc in self._documents.values():
            if doc.meta.get("doc_type") != PLAN_DOC_TYPE:
                continue
            pilot_targets = [record.target.year for record in self.targets if record.target_source.doc_id == doc.doc_id]
            first = int((doc.meta.get("date") or "0")[:4] or 0) or doc.meta.get("year", 0)
            if first and pilot_targets:
                years[doc.meta["pilot_id"]] = (first, max(pilot_targets))
        return years

    # -- matrix and comparisons ----------------------------------------------------------
    def matrix(self, pilots: list[dict]) -> tuple[list[str], list[dict]]:
        """(columns, rows): each pilot's targets in each key-target family, worst status first."""
        columns = [family.label for family in key_families()]
        rows = []
        for pilot in pilots:
            records = self.of_pilot(pilot["pilot_id"])
            if not records:
                continue
            cells: dict[str, list[TargetRecord]] = defaultdict(list)
            for record in records:
                if record.family:
                    cells[record.family].append(record)
            rows.append({"pilot": pilot, "cells": cells, "counts": self.status_counts(records)})
        return columns, rows

    def comparisons(self) -> list[Comparison]:
        """For each indicator family, the pilots' targets of one unit and form with a
        reported value: latest value, target, status, each with its source."""
        groups: dict[tuple[str, str, str], dict[str, TargetRecord]] = defaultdict(dict)
        for record in self.targets:
            reading = record.judgement.reading
            if not record.family or reading is None or record.latest_source is None:
                continue
            key = (record.family, record.target.unit, record.target.form)
            current = groups[key].get(record.pilot_id)
            if current is None or _sooner(record, current):
                groups[key][record.pilot_id] = record
        comparisons = []
        for (family, unit, form), by_pilot in groups.items():
            if len(by_pilot) < 2:
                continue
            rows = []
            for record in by_pilot.values():
                reading = record.judgement.reading
                assert reading is not None and record.latest_source is not None
                rows.append(
                    ComparisonRow(
                        record.pilot_id, record.pilot, record.pilot_type, record.target.indicator, reading.value,
                        unit, when(reading), record.target.value, record.target.year, record.status,
                        record.target_id, record.latest_source,
                    )
                )  # fmt: skip
            rows.sort(key=lambda row: row.value, reverse=True)
            comparisons.append(Comparison(_comparison_title(family, form, unit), unit, form, tuple(rows)))
        comparisons.sort(key=lambda item: (-len(item.rows), item.title))
        return comparisons


def _sooner(record: TargetRecord, current: TargetRecord) -> bool:
    """The pilot's nearest target of a family stands for it in a comparison."""
    return record.target.year < current.target.year


def _comparison_title(family: str, form: str, unit: str) -> str:
    shown = {"较基期变化": "较基期下降/变化", "同比": "同比下降/变化"}.get(form, "")
    return f"{family}{('（' + shown + '）') if shown else ''}（{unit or '无单位'}）"


def _table_row_text(sentence: str) -> str:
    """A table row reaches the figures as 「指标：…；单位：…」 but the chunk holds the
    same text; prose sentences are searched as they are."""
    return sentence.strip()


def target_id(pilot_id: str, target: Target) -> str:
    key = f"{pilot_id}|{target.indicator}|{target.year}|{target.form}|{target.value:g}|{target.unit}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


_GENERIC = frozenset(
    [
        "率",
        "占比",
        "比重",
        "比例",
        "比",
        "量",
        "总量",
        "面积",
        "容量",
        "装机",
        "能力",
        "规模",
        "年",
        "单位",
        "综合",
        "累计",
        "新增",
        "达到",
        "建成",
        "完成",
        "水平",
        "数量",
        "户数",
        "个数",
    ]
)


@cache
def indicator_words(indicator: str) -> tuple[str, ...]:
    """The words of an indicator that name what it is about: 「余热资源回收利用率」 ->
    余热, 资源, 回收, 利用 (率, 占比, 容量 … say how it is measured)."""
    noun = noun_of(indicator)[0]
    words = [
        word for word in jieba.lcut(fold(noun).lower()) if len(word) >= 2 or re.fullmatch(r"[\u3400-\u9fff]", word)
    ]
    meaningful = [word for word in words if word not in _GENERIC and len(word) >= 2]
    return tuple(dict.fromkeys(meaningful))
