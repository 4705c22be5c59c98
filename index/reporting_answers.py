"""Questions about who has reported: 「哪个试点还没有报送2026年上半年的进展报告？」
「杏花岭村最近一期进展报告是什么时候报的？」.

No sentence of any report says that a report is missing; the catalogue does (the
reporting matrix of index/progress.py, the one the 概览 page shows). The answer names
the pilots without a report for the half-year asked (the latest one in the corpus when
none is named) and quotes, for each pilot it is about, the opening and the signed date
of its latest report, so the reader sees what was last filed and when.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from index.answer_model import Answer, AnswerSentence, CitationNumbers, Plan
from index.chunk_table import ChunkTable
from index.extractive import messages
from index.figure_tables import period_label, question_periods
from index.progress import PilotReporting
from index.question_kind import QuestionKind

_ASKS_FILING = re.compile(r"报送|上报|提交|报了|交了|报没报|交没交|什么时候报|哪天报")
_REPORT = re.compile(r"报告|工作进展|进展情况|半年报")
# A report ends with its issuer and the date it was signed: 「…办公室\n2026年1月18日」.
# Chunk text joins lines, so the issuer runs straight into the date.
_SIGNED = re.compile(r"([^。；！？\s]{2,40}?)\s*(20\d{2}年\d{1,2}月\d{1,2}日)$")
# A report opens with its addressee (「固原市发展改革委：」), then its first sentence.
_OPENING = re.compile(r"^(?:[^。：:]{2,30}[：:])?\s*([^。！？]+[。！？])")


def asks_about_reporting(question: str) -> bool:
    return bool(_ASKS_FILING.search(question) and _REPORT.search(question))


def reporting_answer(
    question: str,
    read_as: str,
    kind: QuestionKind,
    columns: Sequence[str],
    reporting: Sequence[PilotReporting],
    pilot_ids: Sequence[str],
    table: ChunkTable,
) -> Answer | None:
    """Who has not reported for the half-year asked, each pilot's latest report quoted;
    None when the catalogue holds no reports."""
    if not columns:
        return None
    asked = sorted(period for period in question_periods(read_as) if len(period) == 6) or [columns[-1]]
    in_scope = [row for row in reporting if row.pilot_id in set(pilot_ids)]
    if not in_scope:
        return None
    missing = [row for row in in_scope if any(_lacks(row, period) for period in asked)]
    shown = in_scope if len(in_scope) == 1 else missing
    citations = CitationNumbers()
    groups: dict[str, list[AnswerSentence]] = {}
    for row in shown:
        filed = [slot for slot in [*row.slots, *row.outside_plan] if slot.doc_id]
        latest = max(filed, key=lambda slot: slot.period, default=None)
        if latest is None or latest.doc_id is None:
            continue
        groups[row.pilot] = _quoted(table, latest.doc_id, citations)
    periods = "、".join(period_label(period) for period in asked)
    key, named = ("reports_missing", missing) if missing else ("reports_all_in", in_scope)
    note = messages()[key].format(periods=periods, pilots="、".join(row.pilot for row in named))
    return Answer(
        question,
        kind,
        found=True,
        plan=Plan.STATUS,
        groups=groups,
        citations=citations.citations,
        note=note,
    )


def _lacks(row: PilotReporting, period: str) -> bool:
    slot = next((slot for slot in row.slots if slot.period == period), None)
    return slot is None or slot.doc_id is None


def _quoted(table: ChunkTable, doc_id: str, citations: CitationNumbers) -> list[AnswerSentence]:
    """The report's opening sentence and its signature with the date, each citing its chunk."""
    records = table.records_of(doc_id)
    if not records:
        return []
    quoted = []
    opening = _OPENING.search(records[0].text)  # after the addressee line 「固原市发展改革委：」
    if opening:
        quoted.append(AnswerSentence(opening.group(1).strip(), (citations.number(records[0]),), 1.0))
    signed = _SIGNED.search(records[-1].text.strip())
    if signed:
        text = f"{signed.group(1).strip()} {signed.group(2)}"
        quoted.append(AnswerSentence(text, (citations.number(records[-1]),), 1.0))
    return quoted
